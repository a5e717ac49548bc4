package org.petl.tasks.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token-budget batching as fairseq's {@code --max-tokens} (the paper: 4096 for en-ro): each epoch shuffles the
 * examples ({@link RunRng#permutation}), sorts each window of {@value #WINDOW} examples by length (longest first),
 * cuts the window greedily into batches whose padded size (rows × longest row) stays within the budget, and shuffles
 * the batch order. An example longer than the budget is a batch of its own. Resumable like {@link EpochSampler}: the
 * epoch is a pure function of the stream state before it was drawn.
 */
public final class TokenBudgetSampler implements BatchSampler {

    static final int WINDOW = 1024;
    private final int[] lengths;
    private final int maxTokens;
    private final RunRng rng;
    private long[] epochStart;
    private List<int[]> batches;
    private int epoch;
    private long position;

    /** @param lengths per-example padded-cost length (e.g. max of source and target tokens) */
    public TokenBudgetSampler(int[] lengths, int maxTokens, RunRng shuffleRng) {
        this(lengths, maxTokens, shuffleRng, 0);
    }

    private TokenBudgetSampler(int[] lengths, int maxTokens, RunRng rng, int epoch) {
        if (lengths.length == 0) throw new IllegalArgumentException("no examples to batch");
        if (maxTokens <= 0) throw new IllegalArgumentException("max tokens per batch must be positive, got " + maxTokens);
        for (int l : lengths) if (l <= 0) throw new IllegalArgumentException("example lengths must be positive");
        this.lengths = lengths.clone();
        this.maxTokens = maxTokens;
        this.rng = rng;
        this.epoch = epoch;
        drawEpoch();
    }

    public static TokenBudgetSampler resume(int[] lengths, int maxTokens, long[] epochStartState, int epoch, long position) {
        TokenBudgetSampler s = new TokenBudgetSampler(lengths, maxTokens, RunRng.fromState(epochStartState), epoch);
        if (position < 0 || position > s.batchesPerEpoch()) throw new IllegalArgumentException("position " + position + " outside epoch of " + s.batchesPerEpoch() + " batches");
        s.position = position;
        return s;
    }

    private void drawEpoch() {
        epochStart = rng.state();
        int[] perm = rng.permutation(lengths.length);
        Integer[] boxed = new Integer[perm.length];
        for (int i = 0; i < perm.length; i++) boxed[i] = perm[i];
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < boxed.length; from += WINDOW) {
            int to = Math.min(boxed.length, from + WINDOW);
            Arrays.sort(boxed, from, to, (a, b) -> Integer.compare(lengths[b], lengths[a]));
            int start = from;
            while (start < to) {
                int longest = lengths[boxed[start]];
                int end = start + 1;
                // longest first: the first row sets the padded length of the batch
                while (end < to && (long) longest * (end - start + 1) <= maxTokens) end++;
                int[] b = new int[end - start];
                for (int i = start; i < end; i++) b[i - start] = boxed[i];
                out.add(b);
                start = end;
            }
        }
        int[] order = rng.permutation(out.size());
        batches = new ArrayList<>(out.size());
        for (int i : order) batches.add(out.get(i));
        position = 0;
    }

    @Override
    public int[] nextBatch() {
        if (position == batches.size()) {
            epoch++;
            drawEpoch();
        }
        return batches.get((int) position++).clone();
    }

    @Override
    public int batchesPerEpoch() {
        return batches.size();
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long[] epochStartState() {
        return epochStart.clone();
    }
}
