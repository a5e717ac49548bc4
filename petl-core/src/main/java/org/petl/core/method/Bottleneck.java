package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Down-projection to r, nonlinearity, up-projection: adapters (ReLU, with biases) and LoRA (identity, no biases).
 *
 * @param r          bottleneck width
 * @param act        nonlinearity between the projections
 * @param layerNorm  optional LayerNorm on the input (BEFORE, the paper code's "in") or on the output (AFTER, "out")
 * @param bias       biases on both projections
 * @param downInit   initialiser of the down-projection (the up-projection starts at zero, so Δh = 0 at first)
 * @param innerScale factor applied to the up-projection's output inside the form, before an AFTER LayerNorm (the
 *                   paper code's scalar with "out"; 1 otherwise — use a Scaled composition for h + s·Δh)
 * @param inputDropout  dropout on the form's input (PEFT's {@code lora_dropout}: Δh = drop(x)·A·B)
 * @param hiddenDropout dropout after the nonlinearity (the paper code's adapter dropout: up(drop(act(down x))))
 */
public record Bottleneck(int r, Nonlinearity act, LayerNormPlacement layerNorm, boolean bias, Init downInit, double innerScale,
                         double inputDropout, double hiddenDropout)
        implements FunctionalForm {

    public enum LayerNormPlacement { NONE, BEFORE, AFTER }

    public Bottleneck {
        if (r <= 0) throw new MethodSpecException("bottleneck width r must be positive, got " + r);
        checkDropout("dropout", inputDropout);
        checkDropout("dropout", hiddenDropout);
    }

    public Bottleneck(int r, Nonlinearity act, LayerNormPlacement layerNorm, boolean bias, Init downInit, double innerScale) {
        this(r, act, layerNorm, bias, downInit, innerScale, 0, 0);
    }

    static void checkDropout(String what, double p) {
        if (!(p >= 0 && p < 1)) throw new MethodSpecException(what + " must be in [0, 1), got " + p);
    }

    /** The same form with dropout on its input (LoRA) or after its nonlinearity (adapters). */
    public Bottleneck withDropout(double input, double hidden) {
        return new Bottleneck(r, act, layerNorm, bias, downInit, innerScale, input, hidden);
    }

    public static Bottleneck adapter(int r) {
        return new Bottleneck(r, Nonlinearity.RELU, LayerNormPlacement.NONE, true, Init.NORMAL, 1.0);
    }

    public static Bottleneck lora(int r) {
        return new Bottleneck(r, Nonlinearity.IDENTITY, LayerNormPlacement.NONE, false, Init.KAIMING_UNIFORM, 1.0);
    }

    public Bottleneck withInit(Init init) {
        return new Bottleneck(r, act, layerNorm, bias, init, innerScale, inputDropout, hiddenDropout);
    }

    @Override
    public Delta build(BuildContext ctx, SDVariable x, int in, int out) {
        SameDiff sd = ctx.sd();
        String s = ctx.scope();
        x = ctx.dropout("input_dropout", x, inputDropout);
        if (layerNorm == LayerNormPlacement.BEFORE) x = norm(ctx, x, in, "layer_norm");
        SDVariable down = ctx.linearWeight(s + ".down.weight", s + ".down.weight", downInit, in, r);
        SDVariable z = org.petl.core.site.SplitGradientMmul.of(ctx.sd(), x, down);
        if (bias) z = z.add(ctx.param("down.bias", Init.ZEROS, r));
        z = act.apply(sd, z);
        z = ctx.dropout("dropout", z, hiddenDropout);
        SDVariable up = ctx.linearWeight(s + ".up.weight", s + ".up.weight", Init.ZEROS, r, out);
        SDVariable y = org.petl.core.site.SplitGradientMmul.of(ctx.sd(), z, up);
        if (bias) y = y.add(ctx.param("up.bias", Init.ZEROS, out));
        if (innerScale != 1.0) y = y.mul(innerScale);
        if (layerNorm == LayerNormPlacement.AFTER) y = norm(ctx, y, out, "layer_norm");
        return Delta.of(y);
    }

    static SDVariable norm(BuildContext ctx, SDVariable x, int width, String local) {
        SDVariable g = ctx.param(local + ".weight", Init.ONES, width);
        SDVariable b = ctx.param(local + ".bias", Init.ZEROS, width);
        return org.petl.core.site.Ops.layerNorm(ctx.sd(), null, x, g, b, 1e-5);
    }

    @Override
    public long formulaParameters(int in, int out) {
        return (long) r * (in + out);
    }

    @Override
    public long trainableParameters(int in, int out) {
        long n = (long) r * (in + out);
        if (bias) n += r + out;
        if (layerNorm == LayerNormPlacement.BEFORE) n += 2L * in;
        if (layerNorm == LayerNormPlacement.AFTER) n += 2L * out;
        return n;
    }

    @Override
    public String describe() {
        return "down(" + r + ") → " + act.name().toLowerCase() + " → up" + (bias ? "" : " (no bias)")
                + (layerNorm == LayerNormPlacement.NONE ? "" : ", LayerNorm " + layerNorm.name().toLowerCase())
                + (inputDropout > 0 ? ", input dropout " + inputDropout : "") + (hiddenDropout > 0 ? ", dropout " + hiddenDropout : "");
    }
}
