package org.petl.tasks.train;

import java.util.Arrays;

/**
 * The run's random stream: xoshiro256** (Blackman &amp; Vigna) seeded through SplitMix64, with its whole state a
 * {@code long[4]} that a checkpoint saves and a resumed run restores, so batch order and dropout masks after a
 * resume repeat bit for bit. (java.util.Random/SplittableRandom hide their state; this one does not.)
 * Not thread-safe: one stream per consumer, derived with {@link #fork()}.
 */
public final class RunRng {

    private long s0, s1, s2, s3;

    public RunRng(long seed) {
        long[] x = {seed};
        s0 = splitMix(x);
        s1 = splitMix(x);
        s2 = splitMix(x);
        s3 = splitMix(x);
    }

    private RunRng(long[] state) {
        if (state.length != 4) throw new IllegalArgumentException("RunRng state has 4 longs, got " + state.length);
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw new IllegalArgumentException("RunRng state must not be all zero");
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
    }

    /** Restores a stream saved with {@link #state()}. */
    public static RunRng fromState(long[] state) {
        return new RunRng(state.clone());
    }

    /** A copy of the state; {@code fromState(state())} continues exactly where this stream is. */
    public long[] state() {
        return new long[]{s0, s1, s2, s3};
    }

    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, bound), unbiased (rejection sampling on the top bits). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long limit = (1L << 31) - ((1L << 31) % bound);
        while (true) {
            long r = nextLong() >>> 33;
            if (r < limit) return (int) (r % bound);
        }
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Fisher-Yates in place. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A random permutation of 0..n-1 (the batch order of one epoch). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(p);
        return p;
    }

    /**
     * An inverted-dropout mask: each entry is {@code 1/(1-p)} with probability {@code 1-p}, else 0, so
     * {@code x * mask} keeps the expectation of x. Feed it to the graph as a placeholder to make dropout resumable.
     */
    public float[] dropoutMask(int n, double p) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        float keep = (float) (1.0 / (1.0 - p));
        float[] m = new float[n];
        for (int i = 0; i < n; i++) m[i] = nextDouble() >= p ? keep : 0f;
        return m;
    }

    /** An independent child stream (seeded from this one through SplitMix64), e.g. one for shuffling, one for dropout. */
    public RunRng fork() {
        return new RunRng(nextLong());
    }

    private static long splitMix(long[] x) {
        long z = (x[0] += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "RunRng" + Arrays.toString(state());
    }
}
