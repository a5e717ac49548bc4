package org.petl.core.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The three adds' gradients against SameDiff's own add and against central finite differences (double precision),
 * in a graph where one add's output gradient reaches a variable along two paths (a residual) and a mask is
 * broadcast over a rank-3 tensor.
 */
class SplitGradientAddTest {

    private static final int B = 2, T = 3, D = 4;

    /**
     * h = x·W + b; r = tanh(h) + h (residual); s = reshape(r, [B, T, D]) + mask[B, 1, D]; loss = Σ s ⊙ w ⊙ s.
     * {@code split}: petl's adds, else SameDiff's; {@code frozenBias}: b is a constant.
     */
    private static SameDiff graph(INDArray weight, INDArray bias, boolean split, boolean frozenBias) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, D);
        SDVariable maskIn = sd.placeHolder("mask", DataType.DOUBLE, -1, 1, D);
        SDVariable w = sd.placeHolder("w", DataType.DOUBLE, -1, T, D);
        SDVariable wt = sd.var("W", weight);
        SDVariable b = frozenBias ? sd.constant("b", bias) : sd.var("b", bias);
        SDVariable xw = x.mmul(wt);
        SDVariable h = split ? SplitGradientAdd.bias(sd, "h", xw, b) : xw.add("h", b);
        SDVariable t = sd.math.tanh(h);
        SDVariable r = split ? SplitGradientAdd.same(sd, "r", t, h) : t.add("r", h);
        SDVariable r3 = sd.reshape(r, -1, T, D);
        SDVariable mask = maskIn.mul(-3.0).add(1.0);                  // derived from a placeholder, as masks are
        SDVariable s = split ? SplitGradientAdd.constant(sd, "s", r3, mask) : r3.add("s", mask);
        sd.setLossVariables(s.mul(w).mul(s).sum().rename("loss"));
        return sd;
    }

    private static long opsNamed(SameDiff sd, String opName) {
        return java.util.Arrays.stream(sd.getFunction("grad").ops()).filter(o -> o.opName().equals(opName)).count();
    }

    private static INDArray rand(Random r, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, r.nextGaussian());
        return a;
    }

    private static Map<String, INDArray> inputs(Random r) {
        INDArray mask = Nd4j.create(DataType.DOUBLE, B, 1, D);
        mask.putScalar(new long[]{1, 0, 2}, 1.0);
        return Map.of("x", rand(r, B * T, D), "mask", mask, "w", rand(r, B, T, D));
    }

    @Test
    void gradientsEqualSameDiffsAddAndFiniteDifferences() {
        assertTrue(SplitGradientAdd.AVAILABLE, "the op aliases must register with this ND4J");
        Random r = new Random(11);
        INDArray weight = rand(r, D, D), bias = rand(r, D);
        Map<String, INDArray> in = inputs(r);

        SameDiff split = graph(weight.dup(), bias.dup(), true, false);
        SameDiff plain = graph(weight.dup(), bias.dup(), false, false);
        assertEquals(plain.output(in, "loss").get("loss").getDouble(0), split.output(in, "loss").get("loss").getDouble(0), 0.0, "forward unchanged");
        Map<String, INDArray> gs = split.calculateGradients(in, List.of("W", "b"));
        Map<String, INDArray> gp = plain.calculateGradients(in, List.of("W", "b"));
        for (String v : List.of("W", "b")) {
            assertTrue(gp.get(v).equalsWithEps(gs.get(v), 1e-12), v + ": " + gs.get(v) + " vs " + gp.get(v));
        }
        assertEquals(1, opsNamed(split, "add_bp"), "of petl's adds only the trained bias's builds an add_bp");
        assertEquals(3, opsNamed(plain, "add_bp"), "SameDiff's add builds one add_bp per add");
        // again (the gradient function is built once and reused)
        assertTrue(gs.get("b").equalsWithEps(split.calculateGradients(in, List.of("W", "b")).get("b"), 0));

        // central differences on b and W
        double eps = 1e-6;
        for (String v : List.of("W", "b")) {
            INDArray p = split.getArrForVarName(v);
            for (long i = 0; i < p.length(); i++) {
                double keep = p.getDouble(i);
                p.putScalar(i, keep + eps);
                double up = split.output(in, "loss").get("loss").getDouble(0);
                p.putScalar(i, keep - eps);
                double down = split.output(in, "loss").get("loss").getDouble(0);
                p.putScalar(i, keep);
                assertEquals((up - down) / (2 * eps), gs.get(v).getDouble(i), 1e-6, v + "[" + i + "]");
            }
        }

        // a frozen bias: W's gradient is unchanged and nothing asks for b's
        SameDiff frozen = graph(weight.dup(), bias.dup(), true, true);
        assertTrue(gp.get("W").equalsWithEps(frozen.calculateGradients(in, List.of("W")).get("W"), 1e-12));
        assertEquals(0, opsNamed(frozen, "add_bp"), "a frozen bias builds no add_bp");
    }
}
