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
     */
    public static SDVariable layerNorm(SameDiff sd, String name, SDVariable x, SDVariable gain, SDVariable bias, double eps) {
        SDVariable mean = x.mean(true, -1);
        SDVariable centred = x.sub(mean);
        SDVariable var = centred.mul(centred).mean(true, -1);
        SDVariable normed = centred.div(sd.math.sqrt(var.add(eps)));
        return name == null ? normed.mul(gain).add(bias) : normed.mul(gain).add(name, bias);
    }

    /**
     * {@code rows} [l, d] repeated for each of B batch rows, [B, l, d] ({@code batch}: a [1] long B), computed as
     * ones[B, 1] · rows[1, l·d]. Why not tile: M2.1's tile_bp is a scalar index loop (measured: a fifth of a MiniLM
     * MAM step, 20 ms per call), where this gradient is one [1, B]·[B, l·d] product. The forward is exact (one term).
     */
    public static SDVariable repeatForBatch(SameDiff sd, SDVariable batch, SDVariable rows, long d) {
        SDVariable ones = sd.fill(sd.concat(0, batch, sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(1L))), rows.dataType(), 1.0);
        SDVariable flat = sd.mmul(ones, sd.reshape(rows, 1, -1));
        return sd.reshape(flat, sd.concat(0, batch, sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(-1L, d))));
    }
}
