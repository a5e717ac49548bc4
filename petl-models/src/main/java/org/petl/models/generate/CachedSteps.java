package org.petl.models.generate;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.models.assembly.DecoderStep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Incremental decoding on the {@link DecoderStep} graph (any method applied to it): the encoder and the
 * cross-attention keys/values run once per source and are repeated for its rows; each step feeds only the last
 * token of every row (batch × beams in one call), the self-attention cache grows by one position and is gathered
 * by the rows' parents when beams are re-ranked. Prefixes are never cached (the graph prepends them every step).
 */
public final class CachedSteps implements StepModel {

    private final DecoderStep step;
    private final Runnable beforeStart;

    public CachedSteps(DecoderStep step) {
        this(step, () -> { });
    }

    private CachedSteps(DecoderStep step, Runnable beforeStart) {
        this.step = step;
        this.beforeStart = beforeStart;
    }

    /**
     * Cached decoding that follows a method applied to another graph of the same model (the teacher-forced
     * {@code Seq2SeqLm} a trainer updates): a {@link DecoderStep} graph is built from the same description and
     * base weights, the same method is applied to it, and every trainable parameter (same names in both graphs) is
     * copied from the trained graph whenever decoding starts.
     */
    public static CachedSteps following(org.petl.core.method.AppliedMethod trained, org.petl.core.arch.ModelDescription desc,
                                        java.util.Map<String, org.petl.core.tensor.HostTensor> weights) {
        org.nd4j.autodiff.samediff.SameDiff from = trained.graph().sameDiff();
        java.util.Map<String, INDArray> preset = new java.util.HashMap<>();
        for (String n : trained.added().keySet()) {
            INDArray v = from.hasVariable(n) ? from.getArrForVarName(n) : null;
            if (v != null) preset.put(n, v);
        }
        DecoderStep step = DecoderStep.build(desc, weights);
        org.petl.core.method.Rewriter.apply(step.graph(), trained.method(), 0, preset);
        org.nd4j.autodiff.samediff.SameDiff to = step.graph().sameDiff();
        for (String n : trained.trainable()) {
            if (!to.hasVariable(n) || to.getArrForVarName(n) == null) {
                throw new IllegalStateException("the decoder-step graph has no parameter '" + n + "' that the trained graph trains");
            }
        }
        return new CachedSteps(step, () -> {
            for (String n : trained.trainable()) to.getArrForVarName(n).assign(from.getArrForVarName(n));
        });
    }

    @Override
    public int vocabSize() {
        return step.graph().description().vocab();
    }

    @Override
    public Session start(int[][] inputIds, int[][] attentionMask, int rowsPerSource) {
        beforeStart.run();
        DecoderStep.Encoded once = step.encode(inputIds, attentionMask);
        int[] owner = new int[inputIds.length * rowsPerSource];
        for (int r = 0; r < owner.length; r++) owner[r] = r / rowsPerSource;
        DecoderStep.Encoded enc = rowsPerSource == 1 ? once : new DecoderStep.Encoded(rows(once.sourceMask(), owner), rows(once.hidden(), owner),
                rows(once.crossKeys(), owner), rows(once.crossValues(), owner));
        int vocab = vocabSize();
        return new Session() {
            DecoderStep.Cache cache = step.start(owner.length);

            @Override
            public double[][] next(int[][] sequences, int[] parents) {
                int n = sequences.length;
                if (parents != null && !isIdentity(parents)) {
                    cache = new DecoderStep.Cache(rows(cache.keys(), parents), rows(cache.values(), parents), rows(cache.mask(), parents));
                }
                if (cache.length() != sequences[0].length - 1) {
                    throw new IllegalStateException("cache holds " + cache.length() + " positions, the sequences " + sequences[0].length);
                }
                int[][] last = new int[n][1], ones = new int[n][1];
                for (int r = 0; r < n; r++) {
                    last[r][0] = sequences[r][sequences[r].length - 1];
                    ones[r][0] = 1;
                }
                DecoderStep.StepOutput out = step.step(enc, cache, last, ones);
                cache = out.cache();
                float[] flat = out.logits().castTo(DataType.FLOAT).dup('c').data().asFloat(); // [n, 1, V]
                double[][] res = new double[n][vocab];
                for (int r = 0; r < n; r++) for (int v = 0; v < vocab; v++) res[r][v] = flat[r * vocab + v];
                return res;
            }
        };
    }

    private static boolean isIdentity(int[] p) {
        for (int i = 0; i < p.length; i++) if (p[i] != i) return false;
        return true;
    }

    private static List<INDArray> rows(List<INDArray> xs, int[] idx) {
        List<INDArray> out = new ArrayList<>(xs.size());
        for (INDArray x : xs) out.add(rows(x, idx));
        return out;
    }

    /** x[idx[0]], x[idx[1]], … along the first axis (any rank). */
    static INDArray rows(INDArray x, int[] idx) {
        long[] shape = x.shape();
        long rest = 1;
        for (int i = 1; i < shape.length; i++) rest *= shape[i];
        long[] outShape = shape.clone();
        outShape[0] = idx.length;
        if (rest == 0) return Nd4j.create(x.dataType(), outShape);
        INDArray flat = x.dup('c').reshape('c', shape[0], rest);
        INDArray picked = Nd4j.pullRows(flat, 1, idx);
        return picked.reshape('c', outShape);
    }

    @Override
    public String toString() {
        return "CachedSteps" + Arrays.toString(new int[]{vocabSize()});
    }
}
