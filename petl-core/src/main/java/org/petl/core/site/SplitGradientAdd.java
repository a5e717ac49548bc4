package org.petl.core.site;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;

/**
 * a + b whose backward is one op per input that needs it, instead of SameDiff's {@code AddBpOp}, which always
 * computes both gradients: for a broadcast b it reduces the output gradient over the broadcast axes even when b is
 * frozen (a bias of a frozen projection, a LayerNorm's bias in PEFT, an attention mask), and for equal shapes it
 * copies the gradient twice. Here the gradient of an input of the output's shape is the output's gradient itself
 * (no op), and a frozen bias's is never computed. Forward and results are
 * those of {@link AddOp} (the native op is "add").
 *
 * <p>The kind of b is part of the op's name (one registered alias per kind, see {@link OpAliases}): SameDiff
 * recreates ops from their names when it builds the gradient function, and op fields would not survive that.
 */
public abstract class SplitGradientAdd extends AddOp {

    /** b has a's shape: both gradients are the output's. */
    public static final class Same extends SplitGradientAdd {
        public static final String OP_NAME = "petl_add_same";

        public Same(SameDiff sd, SDVariable a, SDVariable b) {
            super(sd, a, b);
        }

        public Same() {
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        SDVariable gradientOfB(SDVariable g) {
            return g;
        }
    }

    /**
     * b is a vector [d] over a's last axis. Frozen (a constant), it gets no gradient op that runs; trained, the
     * gradients are SameDiff's add_bp (one op for both: a separate sum over rows measured slower, M2.1's reduce
     * over axis 0 walking columns with a stride, and a GEMV form costs five small ops per bias).
     */
    public static final class Bias extends SplitGradientAdd {
        public static final String OP_NAME = "petl_add_bias";

        public Bias(SameDiff sd, SDVariable a, SDVariable b) {
            super(sd, a, b);
        }

        public Bias() {
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        public List<SDVariable> doDiff(List<SDVariable> gradients) {
            if (rarg().getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE) {
                return java.util.Arrays.asList(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp(
                        sameDiff, larg(), rarg(), gradients.get(0)).outputVariables());
            }
            return super.doDiff(gradients);
        }

        @Override
        SDVariable gradientOfB(SDVariable g) {
            return sameDiff.zerosLike(rarg());
        }
    }

    /**
     * b is never differentiated (a mask built from placeholders): its gradient is zeros, an op SameDiff builds but
     * never runs, since no trainable variable lies behind b.
     */
    public static final class Constant extends SplitGradientAdd {
        public static final String OP_NAME = "petl_add_constant";

        public Constant(SameDiff sd, SDVariable a, SDVariable b) {
            super(sd, a, b);
        }

        public Constant() {
        }

        @Override
        public String opName() {
            return OP_NAME;
        }

        @Override
        SDVariable gradientOfB(SDVariable g) {
            return sameDiff.zerosLike(rarg());
        }
    }

    /** Whether ND4J accepted all three registrations; false means plain adds are built. */
    public static final boolean AVAILABLE = OpAliases.register(Same.OP_NAME, "add", Same.class, AddOp.class)
            & OpAliases.register(Bias.OP_NAME, "add", Bias.class, AddOp.class)
            & OpAliases.register(Constant.OP_NAME, "add", Constant.class, AddOp.class);

    SplitGradientAdd(SameDiff sd, SDVariable a, SDVariable b) {
        super(sd, a, b);
    }

    SplitGradientAdd() {
    }

    abstract SDVariable gradientOfB(SDVariable g);

    /** "add" has no properties; the default looks for an op descriptor under this op's own (alias) name and finds none. */
    @Override
    public java.util.Map<String, Object> propertiesForFunction() {
        return java.util.Map.of();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable g = gradients.get(0);
        return List.of(g, gradientOfB(g));
    }

    /** a + b, b of a's shape. */
    public static SDVariable same(SameDiff sd, String name, SDVariable a, SDVariable b) {
        return named(sd, name, split() ? new Same(sd, a, b).outputVariable() : a.add(b));
    }

    /** a + bias, bias a [d] vector over a's last axis. */
    public static SDVariable bias(SameDiff sd, String name, SDVariable a, SDVariable bias) {
        long[] s = bias.getShape();
        if (s == null || s.length != 1) throw new IllegalArgumentException("bias add needs a [d] vector, got " + java.util.Arrays.toString(s));
        return named(sd, name, split() ? new Bias(sd, a, bias).outputVariable() : a.add(bias));
    }

    /** a + c, c broadcast to a and never differentiated. */
    public static SDVariable constant(SameDiff sd, String name, SDVariable a, SDVariable c) {
        return named(sd, name, split() ? new Constant(sd, a, c).outputVariable() : a.add(c));
    }

    private static boolean split() {
        return AVAILABLE && !SplitGradientMmul.fusedBackward();
    }

    private static SDVariable named(SameDiff sd, String name, SDVariable v) {
        return name == null ? v : v.rename(name);
    }
}
