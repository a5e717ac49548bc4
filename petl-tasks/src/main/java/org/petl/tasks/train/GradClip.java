package org.petl.tasks.train;

import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Global-norm gradient clipping with PyTorch {@code clip_grad_norm_} semantics (2-norm). */
public final class GradClip {

    private GradClip() {
    }

    /** sqrt of the sum of squares of every gradient entry, accumulated in double. */
    public static double globalNorm(Map<String, INDArray> grads) {
        double sq = 0;
        for (INDArray g : grads.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /**
     * Scales every gradient in place by {@code maxNorm / (total + 1e-6)} when that factor is below 1, and returns
     * the pre-clip total norm (log it; a non-finite one means the step diverged). Unlike PyTorch, a non-finite
     * norm leaves the gradients untouched rather than filling them with NaN, so the caller's divergence check
     * sees the cause; {@code maxNorm <= 0} disables clipping.
     */
    public static double clipByGlobalNorm(Map<String, INDArray> grads, double maxNorm) {
        double total = globalNorm(grads);
        if (maxNorm > 0 && Double.isFinite(total)) {
            double coef = maxNorm / (total + 1e-6);
            if (coef < 1) for (INDArray g : grads.values()) g.muli(coef);
        }
        return total;
    }
}
