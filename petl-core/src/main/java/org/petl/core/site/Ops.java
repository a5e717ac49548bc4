package org.petl.core.site;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Small graph helpers written with primitive ops where SameDiff M2.1's fused op has no working gradient. */
public final class Ops {

    private Ops() {
    }

    /**
     * log Σ exp(x) over one axis (dropped), stabilised by the maximum. SameDiff's logSumExp/logSoftmax ops fail
     * in backprop ("Error setting property for function LogSoftMax"); this form differentiates (the terms through
     * the maximum cancel exactly).
     */
    public static SDVariable logSumExp(SameDiff sd, SDVariable x, int axis) {
        SDVariable m = x.max(true, axis);
        SDVariable s = sd.math.log(sd.math.exp(x.sub(m)).sum(true, axis));
        return sd.squeeze(s.add(m), axis);
    }

    /**
     * Inverted dropout that trains: x · (u < keep) / keep with u uniform in [0, 1), keep = 1 − p·on ({@code on} 1 while
     * training, 0 at inference). SameDiff M2.1's dropout op has no gradient; here the mask is a constant w.r.t. x.
     * The uniform op is named {@code name + ".u"} (the trainer's DropoutSeeder seeds it by name).
     */
    public static SDVariable dropout(SameDiff sd, String name, SDVariable x, SDVariable on, double p) {
        SDVariable keep = on.mul(-p).add(1.0);
        SDVariable u = sd.identity(name + ".u", new org.nd4j.linalg.api.ops.random.custom.DistributionUniform(sd, x.shape(), 0.0, 1.0,
                org.nd4j.linalg.api.buffer.DataType.FLOAT).outputVariable());
        SDVariable mask = u.lt(keep).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).div(keep);
        return x.mul(name, mask);
    }

    /** x − logΣexp(x) over the last axis of a matrix. */
    public static SDVariable logSoftmax(SameDiff sd, SDVariable x) {
        SDVariable m = x.max(true, 1);
        SDVariable shifted = x.sub(m);
        return shifted.sub(sd.math.log(sd.math.exp(shifted).sum(true, 1)));
    }

    /**
     * LayerNorm over the last axis with an explicit epsilon (ND4J's fused op fixes its own epsilon; BERT needs 1e-12,
     * RoBERTa/BART and adapters 1e-5). Primitive ops, so the gradient is exact.
     *
     * <p>The two broadcasts (÷ std [N, 1], · gain [d]) are made explicit as outer products with ones, so that the
     * multiplies are element-wise: M2.1's multiply_bp/divide_bp on broadcast shapes reduce through a tiled copy
     * (measured 8 ms per call on [800, 384], against 0.3 ms element-wise), where the outer product's gradient is one
     * GEMV (split: a frozen gain gets none). The forward is bit for bit the same (each product has one term, times 1).
     */
    public static SDVariable layerNorm(SameDiff sd, String name, SDVariable x, SDVariable gain, SDVariable bias, double eps) {
        long[] gs = gain.getShape();
        if (gs == null || gs.length != 1 || gs[0] <= 0) throw new IllegalArgumentException("layerNorm needs a gain of known shape [d], got " + java.util.Arrays.toString(gs));
        long d = gs[0];
        long[] xs = x.getShape();
        boolean matrix = xs != null && xs.length == 2;
        SDVariable x2 = matrix ? x : sd.reshape(x, -1, d);
        SDVariable mean = x2.mean(true, -1);
        SDVariable centred = x2.sub(mean);
        SDVariable var = centred.mul(centred).mean(true, -1);
        SDVariable std = sd.math.sqrt(var.add(eps));                                          // [N, 1]
        // [N, 1]; SameDiff differentiates nothing through onesLike (op profile: no extra matmul), and it is one op
        SDVariable onesColumn = sd.onesLike(std);
        SDVariable onesRow = sd.constant(org.nd4j.linalg.factory.Nd4j.ones(x.dataType(), 1, d));
        SDVariable normed = centred.div(SplitGradientMmul.of(sd, std, onesRow));
        SDVariable scaled = normed.mul(SplitGradientMmul.of(sd, onesColumn, sd.reshape(gain, 1, d)));
        SDVariable out2 = SplitGradientAdd.bias(sd, name != null && matrix ? name : null, scaled, bias);
        if (matrix) return out2;
        return name == null ? sd.reshape(out2, sd.shape(x)) : sd.reshape(name, out2, sd.shape(x));
    }

    /**
     * {@code rows} [l, d] repeated for each of B batch rows, [B, l, d] ({@code batch}: a [1] long B), computed as
     * ones[B, 1] · rows[1, l·d]. Why not tile: M2.1's tile_bp is a scalar index loop (measured: a fifth of a MiniLM
     * MAM step, 20 ms per call), where this gradient is one [1, B]·[B, l·d] product. The forward is exact (one term).
     */
    public static SDVariable repeatForBatch(SameDiff sd, SDVariable batch, SDVariable rows, long d) {
        SDVariable ones = sd.fill(sd.concat(0, batch, sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(1L))), rows.dataType(), 1.0);
        SDVariable flat = SplitGradientMmul.of(sd, ones, sd.reshape(rows, 1, -1));
        return sd.reshape(flat, sd.concat(0, batch, sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(-1L, d))));
    }
}
