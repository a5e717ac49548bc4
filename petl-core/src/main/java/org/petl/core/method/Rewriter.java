package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.method.Composition.Gated;
import org.petl.core.method.FunctionalForm.Delta;
import org.petl.core.site.GraphSurgery;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;
import org.petl.core.site.SiteGraph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The one graph rewriter: applies a method's modifications at the graph's named sites by building Δh and rewiring
 * the consumers of h to the composed value. Everything is validated before the graph is touched, so a bad method
 * leaves nothing half-applied. Afterwards the base is frozen: every variable that does not train becomes a
 * constant (no gradient, no optimizer state).
 */
public final class Rewriter {

    private Rewriter() {
    }

    public static AppliedMethod apply(SiteGraph g, PetlMethod method, long seed) {
        return apply(g, method, seed, Map.of());
    }

    /**
     * @param preset values for added parameters by graph name (a loaded adapter); others are initialised
     */
    public static AppliedMethod apply(SiteGraph g, PetlMethod method, long seed, Map<String, INDArray> preset) {
        Map<Modification, List<Site>> plan = validate(g, method);
        Random rnd = new Random(seed);
        Map<String, AddedParameter> added = new LinkedHashMap<>();
        Set<String> trainable = new LinkedHashSet<>();
        Map<String, SDVariable> shared = new HashMap<>();
        for (Modification m : method.modifications()) {
            if (m instanceof Modification.Delta delta) {
                for (Site site : plan.get(m)) {
                    BuildContext ctx = new BuildContext(g, site, delta.name() + "." + site.name(), rnd, added, shared, preset);
                    if (delta.composition() instanceof Gated gated && gated.execution() == Gated.Execution.CONCAT) {
                        applyConcat(ctx, (PrefixAttention) delta.form());
                    } else {
                        applyDelta(ctx, delta);
                    }
                }
            } else if (m instanceof Modification.PromptTuning prompt) {
                for (Site site : plan.get(m)) {
                    applyPrompt(new BuildContext(g, site, prompt.name() + "." + site.stack().name().toLowerCase(), rnd, added, shared, preset), prompt.l());
                }
            } else if (m instanceof Modification.BiasTuning) {
                g.baseParameters().stream().filter(n -> n.endsWith("bias")).forEach(trainable::add);
            }
        }
        added.values().stream().filter(p -> !p.derived()).forEach(p -> trainable.add(p.graphName()));
        trainable.addAll(g.headParameters());
        if (method.fullFineTuning()) g.baseParameters().stream().filter(n -> !g.fixedParameters().contains(n)).forEach(trainable::add);
        freezeAllBut(g.sameDiff(), trainable);
        return new AppliedMethod(method, g, added, List.copyOf(trainable));
    }

    /** Base → constants: only the trainables stay variables. */
    static void freezeAllBut(SameDiff sd, Set<String> trainable) {
        List<SDVariable> frozen = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && !trainable.contains(v.name())) frozen.add(v);
        }
        if (!frozen.isEmpty()) sd.convertToConstants(frozen);
    }

    // ------------------------------------------------------------------ validation

    static Map<Modification, List<Site>> validate(SiteGraph g, PetlMethod method) {
        Map<Modification, List<Site>> plan = new LinkedHashMap<>();
        for (Modification m : method.modifications()) {
            String where = "method '" + method.spec() + "', part '" + m.name() + "'";
            if (m instanceof Modification.Delta d) {
                List<Site> sites = d.at().sites(g);
                if (sites.isEmpty()) {
                    throw new MethodSpecException(where + ": the architecture has no site " + d.at().describe());
                }
                for (Site s : sites) {
                    Site in = d.insertion().inputSite(s);
                    if (g.site(in).isEmpty()) throw new MethodSpecException(where + ": insertion " + d.insertion() + " at " + s + " needs site " + in + ", which the architecture lacks");
                }
                if (d.insertion() == Insertion.MULTI_HEAD_PARALLEL && !(d.form() instanceof PrefixAttention) && !(d.form() instanceof FunctionalForm.Extension)) {
                    throw new MethodSpecException(where + ": multi-head parallel insertion needs a per-head form (prefix attention)");
                }
                if (d.form() instanceof PrefixAttention pa) {
                    if (pa.l() >= g.maxPositions()) throw new MethodSpecException(where + ": l=" + pa.l() + " is not below the model's " + g.maxPositions() + " positions");
                    for (Site s : sites) {
                        if (!s.isAttention() || s.point() != Point.HEADS) throw new MethodSpecException(where + ": prefix attention acts on attention heads, not on " + s);
                    }
                }
                if (d.composition() instanceof Gated gated) {
                    if (!(d.form() instanceof PrefixAttention pa) || pa.act() != Nonlinearity.SOFTMAX) {
                        throw new MethodSpecException(where + ": a gated composition needs the softmax prefix-attention form (λ comes from its logits)");
                    }
                    if (gated.execution() == Gated.Execution.CONCAT && (!pa.scaled() || pa.normQuery())) {
                        throw new MethodSpecException(where + ": the concat execution equals the gated form only with the module's own scaled query (scaled, no query LayerNorm)");
                    }
                    for (Site s : sites) {
                        if (g.site(s.at(Point.SCORES)).isEmpty()) throw new MethodSpecException(where + ": the gated form needs " + s.at(Point.SCORES));
                    }
                }
                plan.put(m, sites);
            } else if (m instanceof Modification.PromptTuning p) {
                List<Site> sites = new ArrayList<>();
                for (Site s : g.sites()) if (s.module() == Site.Module.EMBEDDINGS && s.point() == Point.SUM && s.stack() == Site.Stack.ENCODER) sites.add(s);
                if (sites.isEmpty()) throw new MethodSpecException(where + ": the architecture has no encoder embedding site for prompts");
                if (p.l() + 2 > g.maxPositions()) throw new MethodSpecException(where + ": l=" + p.l() + " leaves no room in the model's " + g.maxPositions() + " positions");
                plan.put(m, sites);
            } else {
                plan.put(m, List.of());
            }
        }
        return plan;
    }

    // ------------------------------------------------------------------ Δh at a site

    private static void applyDelta(BuildContext ctx, Modification.Delta d) {
        SiteGraph g = ctx.graph();
        SameDiff sd = g.sameDiff();
        Site site = ctx.site();
        Set<String> before = GraphSurgery.ops(sd);
        SDVariable h = g.site(site).orElseThrow();
        Site inSite = d.insertion().inputSite(site);
        SDVariable input = g.site(inSite).orElseThrow();
        if (d.insertion() == Insertion.POST_NORM) {
            SDVariable residual = g.site(site.at(Point.RESIDUAL)).orElseThrow();
            input = g.residualNorm(site).apply(h.add(residual));
        }
        Delta delta = d.form().build(ctx, input, g.width(inSite), g.width(site));
        SDVariable composed = compose(ctx, d.composition(), h, delta);
        GraphSurgery.rewire(sd, h, composed, before);
        g.rebind(site, composed);
    }

    private static SDVariable compose(BuildContext ctx, Composition c, SDVariable h, Delta delta) {
        SameDiff sd = ctx.sd();
        if (c instanceof Composition.Scaled s) return h.add(delta.value().mul(s.s()));
        if (c instanceof Composition.LearnedScale ls) {
            SDVariable s = ctx.param("scale", Init.ONES, 1);
            if (ls.init() != 1.0) s = s.mul(ls.init());
            return h.add(delta.value().mul(s));
        }
        if (c instanceof Gated) {
            // λ = Σexp(z_p) / (Σexp(z_p) + Σexp(z_a)) = sigmoid(lse_p − lse_a), per head and query
            int heads = ctx.graph().heads(), hs = ctx.graph().hidden() / heads;
            SDVariable scores = ctx.graph().site(ctx.site().at(Point.SCORES)).orElseThrow();   // [B, H, T, S]
            SDVariable lseA = sd.reshape(sd.permute(org.petl.core.site.Ops.logSumExp(sd, scores, 3), 0, 2, 1), -1, heads); // [N, H]
            SDVariable lambda = sd.nn.sigmoid(delta.gateLogits().sub(lseA));
            SDVariable lam3 = sd.reshape(lambda, -1, heads, 1);
            SDVariable h3 = sd.reshape(h, -1, heads, hs);
            SDVariable d3 = sd.reshape(delta.value(), -1, heads, hs);
            return sd.reshape(h3.add(lam3.mul(d3.sub(h3))), -1, heads * hs);
        }
        if (c instanceof Composition.Extension e) return e.compose(ctx, h, delta.value());
        return h.add(delta.value());
    }

    // ------------------------------------------------------------------ prefix tuning, concat execution

    /** K' = [P_k; K], V' = [P_v; V] per batch row, mask with l zero (visible) columns in front. */
    private static void applyConcat(BuildContext ctx, PrefixAttention form) {
        SiteGraph g = ctx.graph();
        SameDiff sd = g.sameDiff();
        Site heads = ctx.site();
        Set<String> before = GraphSurgery.ops(sd);
        SDVariable[] kv = form.prefixes(ctx);
        Site.Stack contextStack = heads.module() == Site.Module.CROSS_ATTN ? Site.Stack.ENCODER : heads.stack();
        SDVariable batch = g.batchSize(contextStack);
        int d = g.hidden();
        SDVariable tile = sd.concat(0, batch, sd.constant(Nd4j.createFromArray(1L, 1L)));
        for (int j = 0; j < 2; j++) {
            Site s = heads.at(j == 0 ? Point.KEYS : Point.VALUES);
            SDVariable x = g.site(s).orElseThrow();
            SDVariable x3 = sd.reshape(x, sd.concat(0, batch, sd.constant(Nd4j.createFromArray(-1L, d))));
            SDVariable p3 = sd.tile(sd.expandDims(kv[j], 0), tile);
            SDVariable joined = sd.reshape(sd.concat(1, p3, x3), -1, d);
            GraphSurgery.rewire(sd, x, joined, before);
            g.rebind(s, joined);
        }
        Site maskSite = heads.at(Point.MASK);
        SDVariable mask = g.site(maskSite).orElseThrow();
        SDVariable first = mask.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(0, 1));
        SDVariable zeros = sd.tile(sd.zerosLike(first), sd.constant(Nd4j.createFromArray(1, 1, 1, form.l())));
        SDVariable extended = sd.concat(3, zeros, mask);
        GraphSurgery.rewire(sd, mask, extended, before);
        g.rebind(maskSite, extended);
    }

    // ------------------------------------------------------------------ prompt tuning

    private static void applyPrompt(BuildContext ctx, int l) {
        SiteGraph g = ctx.graph();
        SameDiff sd = g.sameDiff();
        Site sumSite = ctx.site();
        Set<String> before = GraphSurgery.ops(sd);
        int d = g.hidden();
        SDVariable prompt = ctx.param("embedding", Init.NORMAL, l, d);
        SDVariable batch = g.batchSize(sumSite.stack());
        SDVariable length = g.sequenceLength(sumSite.stack());
        SDVariable sum = g.site(sumSite).orElseThrow();
        SDVariable sum3 = sd.reshape(sum, sd.concat(0, batch, sd.constant(Nd4j.createFromArray(-1L, d))));
        SDVariable p3 = sd.tile(sd.expandDims(prompt, 0), sd.concat(0, batch, sd.constant(Nd4j.createFromArray(1L, 1L))));
        SDVariable joined = sd.reshape(sd.concat(1, p3, sum3), -1, d);
        SDVariable longer = length.add(l);
        Site maskSite = sumSite.at(Point.MASK);
        SDVariable mask = g.site(maskSite).orElseThrow();                                   // [B, T] 0/1
        SDVariable ones = sd.tile(sd.onesLike(mask.get(SDIndex.all(), SDIndex.interval(0, 1))), sd.constant(Nd4j.createFromArray(1, l)));
        SDVariable maskExt = sd.concat(1, ones, mask);
        GraphSurgery.rewire(sd, sum, joined, before);
        GraphSurgery.rewire(sd, length, longer, before);
        GraphSurgery.rewire(sd, mask, maskExt, before);
        g.rebind(sumSite, joined);
        g.rebind(maskSite, maskExt);
    }
}
