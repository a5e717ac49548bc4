package org.petl.tasks.train;

/**
 * The training batch order of a run, resumable bit for bit: a checkpoint stores {@link #epochStartState()},
 * {@link #epoch()} and {@link #position()}, and the sampler's {@code resume} factory redraws the same epoch and skips
 * what was served. {@link EpochSampler} serves fixed-size batches, {@link TokenBudgetSampler} batches by tokens.
 */
public sealed interface BatchSampler permits EpochSampler, TokenBudgetSampler {

    /** Dataset indices of the next batch; a new epoch (and permutation) starts when this one is used up. */
    int[] nextBatch();

    /** Batches in the current epoch. */
    int batchesPerEpoch();

    int epoch();

    /** Batches already served in the current epoch. */
    long position();

    long[] epochStartState();
}
