package org.petl.tasks.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The in-graph label-smoothed token loss against the host reference, and token-budget batching. */
class Seq2SeqLossTest {

    @Test
    void inGraphSmoothedLossEqualsHostReferenceAndIgnoresPadding() {
        int b = 3, t = 5, v = 11;
        Random r = new Random(7);
        float[] logits = new float[b * t * v];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (r.nextGaussian() * 3);
        int[][] labels = new int[b][t];
        for (int[] row : labels) for (int j = 0; j < t; j++) row[j] = r.nextInt(v);
        labels[0][4] = labels[0][3] = Seq2SeqLoss.IGNORE; // padding
        labels[2][4] = Seq2SeqLoss.IGNORE;
        for (double eps : new double[]{0.0, 0.1}) {
            SameDiff sd = SameDiff.create();
            SDVariable lg = sd.var("lm_logits", Nd4j.create(logits, new long[]{b, t, v}, 'c'));
            sd.placeHolder("labels", DataType.INT, -1, -1);
            Seq2SeqLoss.attach(sd, "lm_logits", "labels", v, eps);
            INDArray lab = Nd4j.createFromArray(labels).castTo(DataType.INT);
            double got = sd.output(Map.of("labels", lab), Seq2SeqLoss.name(eps)).get(Seq2SeqLoss.name(eps)).getDouble(0);
            double[][] rows = new double[b * t][v];
            int[] flat = new int[b * t];
            for (int i = 0; i < b * t; i++) {
                for (int k = 0; k < v; k++) rows[i][k] = logits[i * v + k];
                flat[i] = labels[i / t][i % t];
            }
            double want = CrossEntropy.labelSmoothed(rows, flat, eps);
            assertEquals(want, got, 1e-5, "eps " + eps);
            // the gradient reaches the logits and is zero on ignored tokens
            sd.createGradFunction();
            INDArray g = sd.calculateGradients(Map.of("labels", lab), "lm_logits").get("lm_logits");
            assertEquals(0.0, g.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(4),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).sumNumber().doubleValue(), 0.0);
            assertEquals(0.0, g.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(4),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).norm2Number().doubleValue(), 0.0);
            assertTrue(g.norm2Number().doubleValue() > 0);
        }
    }

    @Test
    void tokenBudgetBatchesStayWithinBudgetAndCoverEachEpochOnce() {
        Random r = new Random(3);
        int[] lengths = new int[500];
        for (int i = 0; i < lengths.length; i++) lengths[i] = 1 + r.nextInt(120);
        lengths[17] = 700; // longer than the budget: a batch of its own
        TokenBudgetSampler s = new TokenBudgetSampler(lengths, 512, new RunRng(5));
        for (int epoch = 0; epoch < 2; epoch++) {
            Set<Integer> seen = new HashSet<>();
            int batches = s.batchesPerEpoch();
            for (int k = 0; k < batches; k++) {
                int[] batch = s.nextBatch();
                int longest = Arrays.stream(batch).map(i -> lengths[i]).max().orElseThrow();
                assertTrue(batch.length == 1 || (long) longest * batch.length <= 512, "batch of " + batch.length + " × " + longest);
                for (int i : batch) assertTrue(seen.add(i), "example " + i + " twice in epoch " + epoch);
            }
            assertEquals(lengths.length, seen.size());
            // sorted windows pack far tighter than random batches would
            assertTrue(batches < 200, batches + " batches");
        }
        assertEquals(1, s.epoch());
    }

    @Test
    void tokenBudgetSamplerResumesBitForBit() {
        int[] lengths = new int[300];
        for (int i = 0; i < lengths.length; i++) lengths[i] = 5 + (i * 37) % 90;
        TokenBudgetSampler a = new TokenBudgetSampler(lengths, 400, new RunRng(11));
        int per = a.batchesPerEpoch();
        for (int k = 0; k < per + 3; k++) a.nextBatch();
        TokenBudgetSampler b = TokenBudgetSampler.resume(lengths, 400, a.epochStartState(), a.epoch(), a.position());
        for (int k = 0; k < 2 * per; k++) assertArrayEquals(a.nextBatch(), b.nextBatch(), "batch " + k);
        assertThrows(IllegalArgumentException.class, () -> new TokenBudgetSampler(lengths, 0, new RunRng(1)));
    }
}
