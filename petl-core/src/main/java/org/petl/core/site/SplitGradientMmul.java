package org.petl.core.site;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;

/**
 * x · W whose backward is two independent matmuls, dx = g · Wᵀ and dW = xᵀ · g, instead of SameDiff's fused
 * {@code MmulBp}, which always computes both. SameDiff executes only the ops a requested gradient needs, so when W
 * is frozen (a constant) its gradient is never computed: PEFT skips about a third of the matmul work of the
 * frozen projections. Forward and results are those of {@link Mmul}.
 */
public final class SplitGradientMmul extends Mmul {

    /** Benchmarks only: graphs built while set use SameDiff's fused backward, for an A/B in one run. */
    private static final ThreadLocal<Boolean> FUSED = ThreadLocal.withInitial(() -> false);

    private final boolean fused;

    public SplitGradientMmul(SameDiff sd, SDVariable x, SDVariable w) {
        super(sd, x, w);
        this.fused = FUSED.get();
    }

    /** Required by SameDiff's reflective op registry; not used by petl. */
    public SplitGradientMmul() {
        this.fused = false;
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        if (fused) return super.doDiff(gradients);
        SDVariable g = gradients.get(0);
        SDVariable dx = sameDiff.mmul(g, rarg(), false, true, false);
        SDVariable dw = sameDiff.mmul(larg(), g, true, false, false);
        return List.of(dx, dw);
    }

    /** Runs {@code build} with SameDiff's fused MmulBp backward for the matmuls it creates (the old behaviour). */
    public static <T> T withFusedBackward(java.util.function.Supplier<T> build) {
        FUSED.set(true);
        try {
            return build.get();
        } finally {
            FUSED.set(false);
        }
    }

    /** x · W for matrices with the split backward. */
    public static SDVariable of(SameDiff sd, SDVariable x, SDVariable w) {
        return new SplitGradientMmul(sd, x, w).outputVariable();
    }
}
