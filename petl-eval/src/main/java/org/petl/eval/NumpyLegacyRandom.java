package org.petl.eval;

/**
 * numpy's legacy global generator ({@code np.random.seed(s)}; MT19937) as far as bootstrap
 * resampling needs it: {@code np.random.choice(n, size=k)} draws the same indices here as in numpy,
 * so a seeded rouge_score {@code BootstrapAggregator} run can be reproduced exactly.
 */
public final class NumpyLegacyRandom {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int pos;

    /** {@code np.random.seed(seed)}, seed in [0, 2^32). */
    public NumpyLegacyRandom(long seed) {
        if (seed < 0 || seed > 0xFFFFFFFFL) throw new IllegalArgumentException("seed must be between 0 and 2**32 - 1, got " + seed);
        int s = (int) seed;
        for (int i = 0; i < N; i++) {
            mt[i] = s;
            s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
        }
        pos = N;
    }

    /** MT19937's next 32-bit output (genrand_int32), as an unsigned value in a long. */
    public long nextUint32() {
        if (pos >= N) twist();
        int y = mt[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xFFFFFFFFL;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            int v = mt[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) v ^= 0x9908b0df;
            mt[i] = v;
        }
        pos = 0;
    }

    /**
     * {@code randint(0, high)} with the legacy masked rejection sampler (numpy keeps it for
     * backward compatibility; Lemire's method would draw different numbers). high ≤ 2^32.
     */
    public int nextInt(int high) {
        if (high <= 0) throw new IllegalArgumentException("high must be positive");
        long rng = high - 1L;
        if (rng == 0) return 0;
        long mask = rng;
        mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
        long v;
        while ((v = nextUint32() & mask) > rng) { /* reject */ }
        return (int) v;
    }

    /** {@code choice(n, size=k)}: k indices in [0, n), with replacement. */
    public int[] choice(int n, int k) {
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = nextInt(n);
        return out;
    }
}
