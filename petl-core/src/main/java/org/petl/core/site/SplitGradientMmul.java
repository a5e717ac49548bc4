package org.petl.core.site;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;

/**
 * x · W whose backward is two independent matmuls, dx = g · Wᵀ and dW = xᵀ · g, instead of SameDiff's fused
 * {@code MmulBp}, which always computes both. SameDiff executes only the ops a requested gradient needs, so when W
 * is frozen (a constant) its gradient is never computed: PEFT skips about a third of the matmul work of the
 * frozen projections. Forward and results are those of {@link Mmul} (the native op is "matmul").
 *
 * <p>SameDiff builds the gradient function on a copy of the graph made by serialising each op and creating it again
 * from its op name and native hash, which would turn this op back into a plain {@code Mmul}. The op therefore has its
 * own name, registered once with ND4J's op tables as an alias of the native matmul and as this class.
 */
public final class SplitGradientMmul extends Mmul {

    public static final String OP_NAME = "petl_split_matmul";

    /** Whether ND4J accepted the registration (see {@link OpAliases}); false means plain matmuls are built. */
    public static final boolean AVAILABLE = OpAliases.register(OP_NAME, "matmul", SplitGradientMmul.class, Mmul.class);

    /** Benchmarks only: graphs built while set get plain matmuls (SameDiff's fused backward), for an A/B in one run. */
    private static final ThreadLocal<Boolean> FUSED = ThreadLocal.withInitial(() -> false);

    public SplitGradientMmul(SameDiff sd, SDVariable x, SDVariable w) {
        super(sd, x, w);
    }

    /** Used by SameDiff when it recreates the op (gradient function, serialisation). */
    public SplitGradientMmul() {
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable g = gradients.get(0);
        SDVariable dx = sameDiff.mmul(g, rarg(), false, true, false);
        SDVariable dw = sameDiff.mmul(larg(), g, true, false, false);
        return List.of(dx, dw);
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    /** Whether graphs being built now get SameDiff's own backward ({@link #withFusedBackward}). */
    static boolean fusedBackward() {
        return FUSED.get();
    }

    /**
     * Runs {@code build} with SameDiff's own backward for the matmuls and adds it creates (fused MmulBp, AddBpOp:
     * the old behaviour), for an A/B of petl's split backward in one run.
     */
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
        if (!AVAILABLE || FUSED.get()) return x.mmul(w);
        return new SplitGradientMmul(sd, x, w).outputVariable();
    }
}
