package org.petl.models.generate;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.arch.ModelDescription;
import org.petl.models.assembly.Seq2SeqBatch;
import org.petl.models.assembly.Seq2SeqLm;

import java.util.Arrays;
import java.util.Map;

/**
 * Uncached decoding on the teacher-forced {@link Seq2SeqLm} graph (any method applied to it): every step feeds
 * each row's whole sequence and keeps the logits of the last position. The reference that cached decoding must
 * equal token for token; slower by a factor that grows with the length.
 */
public final class UncachedSteps implements StepModel {

    private final Seq2SeqLm lm;
    private final ModelDescription desc;

    public UncachedSteps(Seq2SeqLm lm) {
        this.lm = lm;
        this.desc = lm.graph().description();
    }

    @Override
    public int vocabSize() {
        return desc.vocab();
    }

    @Override
    public Session start(int[][] inputIds, int[][] attentionMask, int rowsPerSource) {
        int[][] ids = repeat(inputIds, rowsPerSource);
        int[][] mask = repeat(attentionMask, rowsPerSource);
        return (sequences, parents) -> {
            int rows = sequences.length, len = sequences[0].length;
            int[][] decMask = new int[rows][len];
            for (int[] r : decMask) Arrays.fill(r, 1);
            Map<String, INDArray> out = lm.graph().sameDiff().output(new Seq2SeqBatch(ids, mask, sequences, decMask, null).placeholders(desc, 1f), Seq2SeqLm.LOGITS);
            INDArray logits = out.get(Seq2SeqLm.LOGITS); // [rows, len, V]
            float[] flat = logits.dup('c').data().asFloat();
            int v = desc.vocab();
            double[][] res = new double[rows][v];
            for (int r = 0; r < rows; r++) {
                int base = (r * len + len - 1) * v;
                for (int j = 0; j < v; j++) res[r][j] = flat[base + j];
            }
            return res;
        };
    }

    /** Each row repeated n times, interleaved (row b owns b·n … b·n+n−1). */
    static int[][] repeat(int[][] rows, int n) {
        int[][] out = new int[rows.length * n][];
        for (int b = 0; b < rows.length; b++) for (int j = 0; j < n; j++) out[b * n + j] = rows[b];
        return out;
    }
}
