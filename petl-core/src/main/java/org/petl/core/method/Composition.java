package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;

import java.util.HashSet;
import java.util.Set;

/**
 * Composition: how Δh is combined with h. Every composition owns its behaviour: the graph it builds
 * ({@link #compose}), the parameters it adds ({@link #parameters}), its description, where it sits among the
 * writes to a site ({@link #footprint}) and whether it is linear in Δh ({@link #linearScale}, what merging needs).
 * A new built-in composition is one record here; the compiler then demands each of these.
 */
public sealed interface Composition permits Composition.Add, Composition.Scaled, Composition.LearnedScale,
        Composition.Gated, Composition.Extension {

    /** The composed value that replaces h at the site. */
    SDVariable compose(BuildContext ctx, SDVariable h, FunctionalForm.Delta delta);

    /** Trainable parameters this composition adds per site of width {@code width}. */
    long parameters(int width);

    String describe();

    /**
     * For h + s·Δh compositions: the graph variable or constant s, so that the change is s·Δh (merging folds it into
     * the weights). Null when the composition is not of that kind.
     *
     * @param scope the modification's scope at one site (where a learned s lives)
     */
    Double linearScale(org.nd4j.autodiff.samediff.SameDiff sd, String scope);

    /** h + s·Δh for some fixed or learned s: additive writes to one site commute. */
    boolean additive();

    /**
     * Where the application at {@code site} with this composition reads and writes (see {@link Footprint}). By
     * default: it writes the site, at the stage of its insertion form; additive compositions commute.
     */
    default Footprint footprint(Site site, Insertion insertion, Set<Site> reads) {
        Footprint.Stage stage = insertion.stage();
        Set<Site> r = new HashSet<>(reads);
        if (stage == Footprint.Stage.SEQUENTIAL) r.add(site);
        return new Footprint(stage, r, Set.of(site), additive() && stage != Footprint.Stage.SEQUENTIAL, false);
    }

    /** Rejects, in one line starting with {@code where}, forms or sites this composition cannot combine. */
    default void validate(org.petl.core.site.SiteGraph g, FunctionalForm form, java.util.List<Site> sites, String where) {
    }

    /**
     * Builds the whole modification at the context's site. By default: Δh from the form on the insertion's input,
     * then {@link #compose}, then the consumers of h are rewired to the result.
     */
    default void apply(BuildContext ctx, Modification.Delta d) {
        Rewriter.applyDelta(ctx, d);
    }

    /** h + Δh */
    record Add() implements Composition {
        @Override
        public SDVariable compose(BuildContext ctx, SDVariable h, FunctionalForm.Delta delta) {
            return h.add(delta.value());
        }

        @Override
        public long parameters(int width) {
            return 0;
        }

        @Override
        public String describe() {
            return "add: h + Δh";
        }

        @Override
        public boolean additive() {
            return true;
        }

        @Override
        public Double linearScale(SameDiff sd, String scope) {
            return 1.0;
        }
    }

    /** h + s·Δh with a fixed s */
    record Scaled(double s) implements Composition {
        @Override
        public SDVariable compose(BuildContext ctx, SDVariable h, FunctionalForm.Delta delta) {
            return h.add(delta.value().mul(s));
        }

        @Override
        public long parameters(int width) {
            return 0;
        }

        @Override
        public String describe() {
            return "scaled: h + " + s + "·Δh";
        }

        @Override
        public boolean additive() {
            return true;
        }

        @Override
        public Double linearScale(SameDiff sd, String scope) {
            return s;
        }
    }

    /** h + s·Δh with a learned scalar s (initialised to {@code init}; stored as s/init, a parameter starting at 1) */
    record LearnedScale(double init) implements Composition {
        @Override
        public SDVariable compose(BuildContext ctx, SDVariable h, FunctionalForm.Delta delta) {
            SDVariable s = ctx.param("scale", Init.ONES, 1);
            if (init != 1.0) s = s.mul(init);
            return h.add(delta.value().mul(s));
        }

        @Override
        public long parameters(int width) {
            return 1;
        }

        @Override
        public String describe() {
            return "learned scale: h + s·Δh (s learned, init " + init + ")";
        }

        @Override
        public boolean additive() {
            return true;
        }

        @Override
        public Double linearScale(SameDiff sd, String scope) {
            if (sd == null) return null;
            return sd.getArrForVarName(scope + ".scale").getDouble(0) * init;
        }
    }

    /**
     * (1 − λ(x))·h + λ(x)·Δh with λ from the form's logits (prefix tuning's "alternative form"). With
     * {@link Execution#CONCAT} the same function is computed the original way: prefix keys/values prepended to the
     * attention's keys/values, mask extended.
     */
    record Gated(Execution execution) implements Composition {
        public enum Execution { EXPLICIT, CONCAT }

        @Override
        public SDVariable compose(BuildContext ctx, SDVariable h, FunctionalForm.Delta delta) {
            // λ = Σexp(z_p) / (Σexp(z_p) + Σexp(z_a)) = sigmoid(lse_p − lse_a), per head and query
            SameDiff sd = ctx.sd();
            int heads = ctx.graph().heads(), hs = ctx.graph().hidden() / heads;
            SDVariable scores = ctx.graph().site(ctx.site().at(Point.SCORES)).orElseThrow();   // [B, H, T, S]
            SDVariable lseA = sd.reshape(sd.permute(org.petl.core.site.Ops.logSumExp(sd, scores, 3), 0, 2, 1), -1, heads); // [N, H]
            SDVariable lambda = sd.nn.sigmoid(delta.gateLogits().sub(lseA));
            SDVariable lam3 = sd.reshape(lambda, -1, heads, 1);
            SDVariable h3 = sd.reshape(h, -1, heads, hs);
            SDVariable d3 = sd.reshape(delta.value(), -1, heads, hs);
            return sd.reshape(h3.add(lam3.mul(d3.sub(h3))), -1, heads * hs);
        }

        @Override
        public long parameters(int width) {
            return 0;
        }

        @Override
        public String describe() {
            return "gated: (1−λ(x))·h + λ(x)·Δh" + (execution == Execution.CONCAT ? " [executed as concat]" : "");
        }

        @Override
        public boolean additive() {
            return false;
        }

        @Override
        public Double linearScale(SameDiff sd, String scope) {
            return null;
        }

        /**
         * Explicit: re-expresses the attention at its heads (stage attention, reads the scores). Concat: prepends to
         * the keys, values and mask (stage extend, after every other change of them; prefixes commute).
         */
        @Override
        public Footprint footprint(Site site, Insertion insertion, Set<Site> reads) {
            if (execution == Execution.CONCAT) {
                return new Footprint(Footprint.Stage.EXTEND, reads, Set.of(site.at(Point.KEYS), site.at(Point.VALUES), site.at(Point.MASK)), true, true);
            }
            Set<Site> r = new HashSet<>(reads);
            r.add(site.at(Point.SCORES));
            r.add(site);
            return new Footprint(Footprint.Stage.ATTENTION, r, Set.of(site), false, false);
        }

        @Override
        public void validate(org.petl.core.site.SiteGraph g, FunctionalForm form, java.util.List<Site> sites, String where) {
            if (!(form instanceof PrefixAttention pa) || pa.act() != Nonlinearity.SOFTMAX) {
                throw new MethodSpecException(where + ": a gated composition needs the softmax prefix-attention form (λ comes from its logits)");
            }
            if (execution == Execution.CONCAT && (!pa.scaled() || pa.normQuery())) {
                throw new MethodSpecException(where + ": the concat execution equals the gated form only with the module's own scaled query (scaled, no query LayerNorm)");
            }
            for (Site s : sites) {
                if (g.site(s.at(Point.SCORES)).isEmpty()) throw new MethodSpecException(where + ": the gated form needs " + s.at(Point.SCORES));
            }
        }

        @Override
        public void apply(BuildContext ctx, Modification.Delta d) {
            if (execution == Execution.CONCAT) Rewriter.applyConcat(ctx, (PrefixAttention) d.form());
            else Rewriter.applyDelta(ctx, d);
        }
    }

    /**
     * Third-party compositions (plugins): combine h and Δh in the graph. Unless they say otherwise they do not commute
     * with other writes of their stage, and do not merge.
     */
    non-sealed interface Extension extends Composition {
        SDVariable compose(BuildContext ctx, SDVariable h, SDVariable delta);

        @Override
        default SDVariable compose(BuildContext ctx, SDVariable h, FunctionalForm.Delta delta) {
            return compose(ctx, h, delta.value());
        }

        /** Trainable parameters this composition adds per site (for accounting). */
        @Override
        default long parameters(int width) {
            return 0;
        }

        @Override
        default Double linearScale(SameDiff sd, String scope) {
            return null;
        }

        @Override
        default boolean additive() {
            return false;
        }
    }

    static String describe(Composition c) {
        return c.describe();
    }
}
