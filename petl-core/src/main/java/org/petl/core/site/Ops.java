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
}
