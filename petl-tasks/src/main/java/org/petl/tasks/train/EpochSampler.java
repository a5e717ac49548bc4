package org.petl.tasks.train;

/**
 * Batch order for training: each epoch is a fresh {@link RunRng#permutation} of the dataset, cut into batches.
 * To make a resumed run repeat bit for bit, a checkpoint stores {@link #epochStartState()} (the shuffle stream's
 * state before this epoch's permutation was drawn), {@link #epoch()} and {@link #position()} (batches already
 * served this epoch); {@link #resume} redraws the same permutation and skips what was served. Use a dedicated
 * stream (e.g. {@code runRng.fork()}) so dropout draws do not shift the batch order.
 */
public final class EpochSampler {

    private final int size, batchSize;
    private final boolean dropLast;
    private final RunRng rng;
    private long[] epochStart;
    private int[] order;
    private int epoch;
    private long position;

    public EpochSampler(int datasetSize, int batchSize, boolean dropLast, RunRng shuffleRng) {
        this(datasetSize, batchSize, dropLast, shuffleRng, 0);
    }

    private EpochSampler(int datasetSize, int batchSize, boolean dropLast, RunRng shuffleRng, int epoch) {
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
        EpochSampler s = new EpochSampler(datasetSize, batchSize, dropLast, RunRng.fromState(epochStartState), epoch);
        if (position < 0 || position > s.batchesPerEpoch()) throw new IllegalArgumentException("position " + position + " outside epoch of " + s.batchesPerEpoch() + " batches");
        s.position = position;
        return s;
    }

    private void drawEpoch() {
        epochStart = rng.state();
        order = rng.permutation(size);
        position = 0;
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
