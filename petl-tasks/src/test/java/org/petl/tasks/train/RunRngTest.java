package org.petl.tasks.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class RunRngTest {

    @Test
    void savedStateRepeatsTheSequence() {
        RunRng rng = new RunRng(42);
        for (int i = 0; i < 37; i++) rng.nextLong();
        long[] saved = rng.state();
        long[] a = new long[100];
        for (int i = 0; i < a.length; i++) a[i] = rng.nextLong();
        int[] permA = rng.permutation(50);
        float[] maskA = rng.dropoutMask(64, 0.1);

        RunRng resumed = RunRng.fromState(saved);
        long[] b = new long[100];
        for (int i = 0; i < b.length; i++) b[i] = resumed.nextLong();
        assertArrayEquals(a, b);
        assertArrayEquals(permA, resumed.permutation(50));
        assertArrayEquals(maskA, resumed.dropoutMask(64, 0.1));
        assertArrayEquals(rng.state(), resumed.state());
    }

    @Test
    void stateIsACopyAndSeedsAreDeterministic() {
        RunRng r = new RunRng(7);
        long[] s = r.state();
        s[0] ^= 1;
        assertNotEquals(s[0], r.state()[0]);
        assertEquals(new RunRng(7).nextLong(), new RunRng(7).nextLong());
        assertNotEquals(new RunRng(7).nextLong(), new RunRng(8).nextLong());
        assertThrows(IllegalArgumentException.class, () -> RunRng.fromState(new long[4]));
    }

    @Test
    void drawsAreInRangeAndPermutationsArePermutations() {
        RunRng r = new RunRng(1);
        int[] counts = new int[3];
        for (int i = 0; i < 3000; i++) counts[r.nextInt(3)]++;
        for (int c : counts) assertTrue(c > 900 && c < 1100, Arrays.toString(counts));
        for (int i = 0; i < 1000; i++) {
            double d = r.nextDouble();
            assertTrue(d >= 0 && d < 1);
        }
        int[] p = r.permutation(100);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 100; i++) assertEquals(i, sorted[i]);
        float[] m = r.dropoutMask(10_000, 0.25);
        int zeros = 0;
        for (float x : m) {
            if (x == 0) zeros++;
            else assertEquals(1 / 0.75f, x, 1e-6);
        }
        assertTrue(zeros > 2300 && zeros < 2700, "zeros " + zeros);
        // forks are independent of each other but reproducible from the parent's state
        RunRng parent = new RunRng(3);
        long[] ps = parent.state();
        long f1 = parent.fork().nextLong();
        assertEquals(f1, RunRng.fromState(ps).fork().nextLong());
    }
}
