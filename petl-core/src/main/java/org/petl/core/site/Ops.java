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
}
