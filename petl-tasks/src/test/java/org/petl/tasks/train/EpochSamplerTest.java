package org.petl.tasks.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class EpochSamplerTest {

    @Test
    void eachEpochIsAPermutationCutIntoBatches() {
        EpochSampler s = new EpochSampler(10, 4, false, new RunRng(13));
        assertEquals(3, s.batchesPerEpoch());
        int[] seen = new int[10];
        int[] sizes = new int[3];
        for (int b = 0; b < 3; b++) {
            int[] batch = s.nextBatch();
            sizes[b] = batch.length;
            for (int i : batch) seen[i]++;
        }
        assertArrayEquals(new int[]{4, 4, 2}, sizes);
        for (int c : seen) assertEquals(1, c);
        assertEquals(0, s.epoch());
        s.nextBatch();
        assertEquals(1, s.epoch());
        assertEquals(2, new EpochSampler(10, 4, true, new RunRng(1)).batchesPerEpoch());
    }

    @Test
    void resumeRepeatsTheRemainingBatchesExactly() {
        EpochSampler s = new EpochSampler(23, 5, false, new RunRng(99));
        for (int i = 0; i < 7; i++) s.nextBatch(); // into the second epoch
        long[] st = s.epochStartState();
        int epoch = s.epoch();
        long pos = s.position();
        List<int[]> rest = new ArrayList<>();
        for (int i = 0; i < 12; i++) rest.add(s.nextBatch());
        EpochSampler r = EpochSampler.resume(23, 5, false, st, epoch, pos);
        for (int[] want : rest) assertArrayEquals(want, r.nextBatch(), Arrays.toString(want));
        assertEquals(s.epoch(), r.epoch());
    }
}
