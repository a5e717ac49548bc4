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
        List<Application> order = order(g, method, plan);
        Random rnd = new Random(seed);
        Map<String, AddedParameter> added = new LinkedHashMap<>();
        Set<String> trainable = new LinkedHashSet<>();
        Map<String, SDVariable> shared = new HashMap<>();
        for (Application app : order) {
            app.part().apply(new BuildContext(g, app.site(), app.part().scope(app.site()), rnd, added, shared, preset));
        }
        for (Modification m : method.modifications()) trainable.addAll(m.unfrozen(g));
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

    // ------------------------------------------------------------------ ordering and conflicts

    /** One part of a method at one of its sites, with what it reads and writes there. */
    public record Application(Modification part, Site site, Footprint footprint, int typed) {
    }

    /**
     * The order in which a union's applications are built, derived from their footprints: at every site the writes
     * happen in {@link Footprint.Stage} order (projection, attention, sequential, parallel, extend), and a part that
     * reads a site another part writes comes after it; everything else keeps the order the user typed. Rejects,
     * before anything is built, a union whose result would depend on the order: two parts writing one site at the
     * same stage unless both commute, a part reading a site another one lengthens, or parts that read each other's
     * output.
     */
    public static List<Application> order(SiteGraph g, PetlMethod method, Map<Modification, List<Site>> plan) {
        List<Application> apps = new ArrayList<>();
        for (Modification m : method.modifications()) {
            for (Site s : plan.get(m)) apps.add(new Application(m, s, m.footprint(writeSite(g, m, s)), apps.size()));
        }
        int n = apps.size();
        List<List<Integer>> after = new ArrayList<>();
        int[] indegree = new int[n];
        for (int i = 0; i < n; i++) after.add(new ArrayList<>());
        // writes grouped by site, so that only applications touching the same site are compared
        Map<Site, List<Integer>> writers = new LinkedHashMap<>(), readers = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            for (Site w : apps.get(i).footprint().writes()) writers.computeIfAbsent(w, k -> new ArrayList<>()).add(i);
            for (Site r : apps.get(i).footprint().reads()) readers.computeIfAbsent(r, k -> new ArrayList<>()).add(i);
        }
        Set<Long> edges = new java.util.HashSet<>();
        for (Map.Entry<Site, List<Integer>> e : writers.entrySet()) {
            Site site = e.getKey();
            List<Integer> ws = e.getValue();
            for (int x = 0; x < ws.size(); x++) {
                for (int y = x + 1; y < ws.size(); y++) {
                    Application a = apps.get(ws.get(x)), b = apps.get(ws.get(y));
                    if (a.part() == b.part()) continue;
                    Footprint fa = a.footprint(), fb = b.footprint();
                    if (fa.stage() == fb.stage()) {
                        if (!(fa.commutes() && fb.commutes())) {
                            throw new MethodSpecException("method '" + method.spec() + "': parts '" + a.part().name() + "' and '" + b.part().name()
                                    + "' both write " + shown(site) + " at the " + fa.stage().label() + " stage, so the result would depend on their order; keep one of them or place them at different sites");
                        }
                    } else if (fa.stage().compareTo(fb.stage()) < 0) {
                        edge(ws.get(x), ws.get(y), after, indegree, edges);
                    } else {
                        edge(ws.get(y), ws.get(x), after, indegree, edges);
                    }
                }
            }
            for (int r : readers.getOrDefault(site, List.of())) {
                Application reader = apps.get(r);
                for (int w : ws) {
                    Application writer = apps.get(w);
                    if (writer.part() == reader.part() || reader.footprint().writes().contains(site)) continue;
                    if (writer.footprint().reshapes()) {
                        throw new MethodSpecException("method '" + method.spec() + "': part '" + reader.part().name() + "' reads " + shown(site)
                                + ", which part '" + writer.part().name() + "' lengthens; the two cannot be combined");
                    }
                    edge(w, r, after, indegree, edges);
                }
            }
        }
        // Kahn's algorithm, always taking the earliest typed application that is ready: the typed order where free
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int i = 0; i < n; i++) if (indegree[i] == 0) ready.add(i);
        List<Application> out = new ArrayList<>();
        while (!ready.isEmpty()) {
            int i = ready.poll();
            out.add(apps.get(i));
            for (int j : after.get(i)) if (--indegree[j] == 0) ready.add(j);
        }
        if (out.size() < n) {
            Application stuck = null, other = null;
            for (int i = 0; i < n && other == null; i++) {
                if (indegree[i] == 0) continue;
                if (stuck == null) stuck = apps.get(i);
                else if (apps.get(i).part() != stuck.part()) other = apps.get(i);
            }
            throw new MethodSpecException("method '" + method.spec() + "': parts '" + stuck.part().name() + "' and '"
                    + (other == null ? stuck.part().name() : other.part().name()) + "' read each other's output (at " + stuck.site()
                    + "), so no order of the two is right");
        }
        return out;
    }

    /**
     * Where a part placed at {@code site} writes: adapters placed at a sub-layer's output compose after the model's
     * dropout of it ({@link Point#DROPPED}, as the paper's code and AdapterHub add the adapter output after the
     * sub-layer's dropout); projection-level changes stay on the projection output, inside the dropout.
     */
    static Site writeSite(SiteGraph g, Modification m, Site site) {
        if (m instanceof Modification.Delta d && site.point() == Point.OUTPUT && d.insertion().stage() != Footprint.Stage.PROJECTION
                && g.site(site.at(Point.DROPPED)).isPresent()) {
            return site.at(Point.DROPPED);
        }
        return site;
    }

    /** A site as the user placed it: the dropout-side value of a sub-layer output is shown as that output. */
    private static Site shown(Site s) {
        return s.point() == Point.DROPPED ? s.at(Point.OUTPUT) : s;
    }

    private static void edge(int from, int to, List<List<Integer>> after, int[] indegree, Set<Long> edges) {
        if (from == to || !edges.add((long) from * 1_000_003L + to)) return;
        after.get(from).add(to);
        indegree[to]++;
    }

    // ------------------------------------------------------------------ validation

    /** Validates every part and the union (see {@link #order}); the graph is not touched. */
    public static Map<Modification, List<Site>> check(SiteGraph g, PetlMethod method) {
        Map<Modification, List<Site>> plan = validate(g, method);
        order(g, method, plan);
        return plan;
    }

    static Map<Modification, List<Site>> validate(SiteGraph g, PetlMethod method) {
        Map<Modification, List<Site>> plan = new LinkedHashMap<>();
        for (Modification m : method.modifications()) {
            plan.put(m, List.copyOf(m.plan(g, "method '" + method.spec() + "', part '" + m.name() + "'")));
        }
        return plan;
    }

    // ------------------------------------------------------------------ Δh at a site

    static void applyDelta(BuildContext ctx, Modification.Delta d) {
        SiteGraph g = ctx.graph();
        SameDiff sd = g.sameDiff();
        Site site = writeSite(g, d, ctx.site());
        Set<String> before = GraphSurgery.ops(sd);
        SDVariable h = g.site(site).orElseThrow();
        Site inSite = d.insertion().inputSite(site);
        SDVariable input = g.site(inSite).orElseThrow();
        if (d.insertion() == Insertion.POST_NORM) {
            SDVariable residual = g.site(site.at(Point.RESIDUAL)).orElseThrow();
            input = g.residualNorm(site).apply(h.add(residual));
        }
        Delta delta = d.form().build(ctx, input, g.width(inSite), g.width(site));
        SDVariable composed = d.composition().compose(ctx, h, delta);
        GraphSurgery.rewire(sd, h, composed, before);
        g.rebind(site, composed);
    }

    // ------------------------------------------------------------------ prefix tuning, concat execution

    /** K' = [P_k; K], V' = [P_v; V] per batch row, mask with l zero (visible) columns in front. */
    static void applyConcat(BuildContext ctx, PrefixAttention form) {
        SiteGraph g = ctx.graph();
        SameDiff sd = g.sameDiff();
        Site heads = ctx.site();
        Set<String> before = GraphSurgery.ops(sd);
        SDVariable[] kv = form.droppedPrefixes(ctx);
        // the query side's batch (the same B as the context's; a decoder step computes no encoder)
        SDVariable batch = g.batchSize(heads.stack());
        int d = g.hidden();
        for (int j = 0; j < 2; j++) {
            Site s = heads.at(j == 0 ? Point.KEYS : Point.VALUES);
            SDVariable x = g.site(s).orElseThrow();
            SDVariable x3 = sd.reshape(x, sd.concat(0, batch, sd.constant(Nd4j.createFromArray(-1L, d))));
            SDVariable p3 = org.petl.core.site.Ops.repeatForBatch(sd, batch, kv[j], d);
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
}
