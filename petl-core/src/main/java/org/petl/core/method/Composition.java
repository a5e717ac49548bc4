package org.petl.core.method;

/** Composition: how Δh is combined with h. */
public sealed interface Composition permits Composition.Add, Composition.Scaled, Composition.LearnedScale,
        Composition.Gated, Composition.Extension {

    /** h + Δh */
    record Add() implements Composition {
    }

    /** h + s·Δh with a fixed s */
    record Scaled(double s) implements Composition {
    }

    /** h + s·Δh with a learned scalar s (initialised to {@code init}) */
    record LearnedScale(double init) implements Composition {
    }

    /**
     * (1 − λ(x))·h + λ(x)·Δh with λ from the form's logits (prefix tuning's "alternative form"). With
     * {@link Execution#CONCAT} the same function is computed the original way: prefix keys/values prepended to the
     * attention's keys/values, mask extended.
     */
    record Gated(Execution execution) implements Composition {
        public enum Execution { EXPLICIT, CONCAT }
    }

    /** Third-party compositions (plugins): combine h and Δh in the graph. */
    non-sealed interface Extension extends Composition {
        org.nd4j.autodiff.samediff.SDVariable compose(BuildContext ctx, org.nd4j.autodiff.samediff.SDVariable h,
                                                      org.nd4j.autodiff.samediff.SDVariable delta);

        /** Trainable parameters this composition adds per site (for accounting). */
        default long parameters(int width) {
            return 0;
        }

        String describe();
    }

    static String describe(Composition c) {
        if (c instanceof Scaled s) return "scaled: h + " + s.s() + "·Δh";
        if (c instanceof LearnedScale l) return "learned scale: h + s·Δh (s learned, init " + l.init() + ")";
        if (c instanceof Gated g) return "gated: (1−λ(x))·h + λ(x)·Δh" + (g.execution() == Gated.Execution.CONCAT ? " [executed as concat]" : "");
        if (c instanceof Extension e) return e.describe();
        return "add: h + Δh";
    }
}
