package org.petl.tasks.train;

/**
 * Batch order for training: each epoch is a fresh {@link RunRng#permutation} of the dataset, cut into batches.
 * To make a resumed run repeat bit for bit, a checkpoint stores {@link #epochStartState()} (the shuffle stream's
 * state before this epoch's permutation was drawn), {@link #epoch()} and {@link #position()} (batches already
 * served this epoch); {@link #resume} redraws the same permutation and skips what was served. Use a dedicated
 * stream (e.g. {@code runRng.fork()}) so dropout draws do not shift the batch order.
 *
 * <p>With example lengths given, batches are grouped by length (like Hugging Face's group_by_length): the
 * permutation is cut into windows of {@value #GROUP_WINDOW} batches, each window sorted by length, cut into
 * batches, and the full batches shuffled. Padding per batch drops about twofold on sentence data, and the step
 * time with it.
 */
public final class EpochSampler implements BatchSampler {

    private final int size, batchSize;
    private final boolean dropLast;
    static final int GROUP_WINDOW = 32;
    private final RunRng rng;
    private int[] lengths;
    private long[] epochStart;
    private int[] order;
    private int epoch;
    private long position;

    public EpochSampler(int datasetSize, int batchSize, boolean dropLast, RunRng shuffleRng) {
        this(datasetSize, batchSize, dropLast, shuffleRng, 0, null);
    }

    /** @param lengths per-example lengths for length-grouped batches, or null for plain shuffled batches */
    public EpochSampler(int datasetSize, int batchSize, boolean dropLast, RunRng shuffleRng, int[] lengths) {
        this(datasetSize, batchSize, dropLast, shuffleRng, 0, lengths);
    }

    private EpochSampler(int datasetSize, int batchSize, boolean dropLast, RunRng shuffleRng, int epoch, int[] lengths) {
        if (lengths != null && lengths.length != datasetSize) throw new IllegalArgumentException("lengths for " + lengths.length + " examples, dataset has " + datasetSize);
        this.lengths = lengths == null ? null : lengths.clone();
        if (datasetSize <= 0 || batchSize <= 0) throw new IllegalArgumentException("dataset size and batch size must be positive");
        if (dropLast && batchSize > datasetSize) throw new IllegalArgumentException("batch size " + batchSize + " exceeds the " + datasetSize + " examples with dropLast");
        this.size = datasetSize;
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.rng = shuffleRng;
        this.epoch = epoch;
        drawEpoch();
    }

    /** Continues a run from a checkpoint's {@code epochStartState}, {@code epoch} and {@code position}. */
    public static EpochSampler resume(int datasetSize, int batchSize, boolean dropLast, long[] epochStartState, int epoch, long position) {
        return resume(datasetSize, batchSize, dropLast, epochStartState, epoch, position, null);
    }

    public static EpochSampler resume(int datasetSize, int batchSize, boolean dropLast, long[] epochStartState, int epoch, long position,
                                      int[] lengths) {
        EpochSampler s = new EpochSampler(datasetSize, batchSize, dropLast, RunRng.fromState(epochStartState), epoch, lengths);
        if (position < 0 || position > s.batchesPerEpoch()) throw new IllegalArgumentException("position " + position + " outside epoch of " + s.batchesPerEpoch() + " batches");
        s.position = position;
        return s;
    }

    private void drawEpoch() {
        epochStart = rng.state();
        order = rng.permutation(size);
        if (lengths != null) order = grouped(order);
        position = 0;
    }

    private int[] grouped(int[] perm) {
        int window = batchSize * GROUP_WINDOW;
        Integer[] boxed = new Integer[perm.length];
        for (int i = 0; i < perm.length; i++) boxed[i] = perm[i];
        for (int from = 0; from < perm.length; from += window) {
            java.util.Arrays.sort(boxed, from, Math.min(perm.length, from + window), (a, b) -> Integer.compare(lengths[b], lengths[a]));
        }
        int full = perm.length / batchSize;
        int[] batchOrder = rng.permutation(full);
        int[] out = new int[perm.length];
        int k = 0;
        for (int b : batchOrder) for (int j = 0; j < batchSize; j++) out[k++] = boxed[b * batchSize + j];
        for (int i = full * batchSize; i < perm.length; i++) out[k++] = boxed[i];
        return out;
    }

    public int batchesPerEpoch() {
        return dropLast ? size / batchSize : (size + batchSize - 1) / batchSize;
    }

    public int epoch() {
        return epoch;
    }

    /** Batches already served in the current epoch. */
    public long position() {
        return position;
    }

    public long[] epochStartState() {
        return epochStart.clone();
    }

    /** Dataset indices of the next batch; moves on to a new epoch (and permutation) when this one is used up. */
    public int[] nextBatch() {
        if (position == batchesPerEpoch()) {
            epoch++;
            drawEpoch();
        }
        int from = (int) (position * batchSize);
        int to = Math.min(from + batchSize, size);
        position++;
        return java.util.Arrays.copyOfRange(order, from, to);
    }
}
