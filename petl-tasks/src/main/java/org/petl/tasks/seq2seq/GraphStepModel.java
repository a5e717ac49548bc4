package org.petl.tasks.seq2seq;

import java.util.HashMap;
import java.util.Map;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.petl.core.arch.ModelDescription;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.generate.StepModel;

/**
 * An uncached {@link StepModel} over the teacher-forced {@link Seq2SeqLm} graph (the trained one, with its method):
 * every step re-runs the encoder and the whole decoder on the rows' tokens so far and returns the last position's
 * logits. Slow (quadratic in length) but exact; the generation helper's cached DecoderStep model replaces it where
 * speed matters.
 */
public final class GraphStepModel implements StepModel {

    private final SameDiff sd;
    private final ModelDescription desc;

    public GraphStepModel(Seq2SeqLm lm) {
        this.sd = lm.graph().sameDiff();
        this.desc = lm.graph().description();
    }

    @Override
    public int vocabSize() {
        return desc.vocab();
    }

    @Override
    public Session start(int[][] inputIds, int[][] attentionMask, int rowsPerSource) {
        int rows = inputIds.length * rowsPerSource;
        int[][] ids = new int[rows][], mask = new int[rows][];
        for (int r = 0; r < rows; r++) {
            ids[r] = inputIds[r / rowsPerSource];
            mask[r] = attentionMask[r / rowsPerSource];
        }
        org.petl.core.site.NativeMemory.releaseUnreachable();
        return (sequences, parents) -> {
            int t = sequences[0].length;
            int[][] decMask = new int[rows][t];
            for (int[] m : decMask) java.util.Arrays.fill(m, 1);
            org.petl.models.assembly.Seq2SeqBatch b = new org.petl.models.assembly.Seq2SeqBatch(ids, mask, sequences, decMask, null);
            Map<String, INDArray> ph = new HashMap<>(b.placeholders(desc, 1f));
            ph.put("labels", Nd4j.zeros(DataType.INT, rows, t));
            INDArray logits = sd.output(ph, Seq2SeqLm.LOGITS).get(Seq2SeqLm.LOGITS);
            INDArray last = logits.get(NDArrayIndex.all(), NDArrayIndex.point(t - 1), NDArrayIndex.all());
            double[][] out = last.castTo(DataType.DOUBLE).toDoubleMatrix();
            for (INDArray a : ph.values()) if (a.closeable()) a.close();
            logits.close();
            return out;
        };
    }
}
