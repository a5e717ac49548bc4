package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.site.GraphSurgery;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;
import org.petl.core.site.SiteGraph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One part of a method. {@link Delta} is the unified view's tuple (functional form, modified representation,
 * insertion form, composition); prompt tuning and BitFit sit beside it (they change inputs or which base
 * parameters train, not a hidden state by a learned function); {@link Structural} lets a plugin add a part of
 * either kind, e.g. one that changes the graph's shape as prompt tuning does.
 *
 * <p>Every part owns its behaviour: which sites it acts on ({@link #plan}, validated before the graph is touched),
 * where it reads and writes there ({@link #footprint}), its graph construction ({@link #apply}), the base parameters
 * it unfreezes, its parameter count and its description. The rewriter and the accounting only call these, so a new
 * kind of part is one class the compiler checks for all of them.
 */
public sealed interface Modification permits Modification.Delta, Modification.PromptTuning, Modification.BiasTuning,
        Modification.PositionShift, Modification.Structural {

    /** Names the parameters of this modification: {@code name.site...}. Unique within a method. */
    String name();

    /**
     * The sites this part is applied at, in graph order; throws a one-line {@link MethodSpecException} starting with
     * {@code where} when the graph cannot take it. Must not change the graph.
     */
    List<Site> plan(SiteGraph g, String where);

    /** Where the application of this modification at one of its sites reads and writes. */
    Footprint footprint(Site site);

    /** Builds this part at {@code ctx.site()} (one of the planned sites); parameters are named under {@code ctx.scope()}. */
    void apply(BuildContext ctx);

    /** The name prefix of this part's parameters at one site. */
    default String scope(Site site) {
        return name() + "." + site.name();
    }

    /** Base parameters this part lets train (BitFit's biases); none by default. */
    default List<String> unfrozen(SiteGraph g) {
        return List.of();
    }

    /** The paper's count, the trainable count and the stored count of this part on an architecture. */
    ParameterReport.Counts count(Architecture arch);

    /** One line: what this part is on the four dimensions (or what it does instead). */
    String describe();

    record Delta(String name, FunctionalForm form, Placement at, Insertion insertion, Composition composition)
            implements Modification {

        @Override
        public List<Site> plan(SiteGraph g, String where) {
            List<Site> sites = at.sites(g);
            if (sites.isEmpty()) {
                throw new MethodSpecException(where + ": " + g.describeModel() + " has no site " + at.describe()
                        + " in stacks " + at.stacks().stream().map(x -> x.name().toLowerCase()).sorted().toList());
            }
            for (Site s : sites) {
                Site in = insertion.inputSite(s);
                if (g.site(in).isEmpty()) throw new MethodSpecException(where + ": insertion " + insertion + " at " + s + " needs site " + in + ", which the architecture lacks");
            }
            if (insertion == Insertion.MULTI_HEAD_PARALLEL && !form.perHead()) {
                throw new MethodSpecException(where + ": multi-head parallel insertion needs a per-head form (prefix attention)");
            }
            form.validate(g, sites, where);
            composition.validate(g, form, sites, where);
            return sites;
        }

        @Override
        public Footprint footprint(Site site) {
            Set<Site> reads = new HashSet<>(insertion.reads(site));
            reads.addAll(form.reads(site));
            return composition.footprint(site, insertion, reads);
        }

        @Override
        public void apply(BuildContext ctx) {
            composition.apply(ctx, this);
        }

        @Override
        public ParameterReport.Counts count(Architecture arch) {
            long formula = 0, trainable = 0, stored = 0;
            Set<String> generators = new HashSet<>();
            for (Site s : ParameterReport.selected(at, arch)) {
                int in = arch.width(insertion.inputSite(s)), out = arch.width(s);
                formula += form.formulaParameters(in, out);
                long t = form.trainableParameters(in, out) + composition.parameters(out);
                trainable += t;
                stored += t;
                if (form instanceof PrefixAttention pa && pa.source() instanceof PrefixSource.Mlp) {
                    stored += 2L * pa.l() * out;      // collapsed tables
                    if (generators.add(s.stack() + "/" + s.module())) trainable += pa.generatorParameters(arch.hidden(), arch.layers(s.stack()));
                }
                if (form instanceof PrefixAttention pa && pa.source() instanceof PrefixSource.PeftTable && generators.add("peft")) {
                    long table = 2L * pa.l() * arch.layers(Site.Stack.ENCODER) * arch.hidden();   // PEFT's whole table, unread pairs included
                    trainable += table;
                    stored += table;
                }
            }
            return new ParameterReport.Counts(formula, trainable, stored);
        }

        @Override
        public String describe() {
            return name + ": form " + form.describe() + " | representation " + at.describe()
                    + " | insertion " + insertion.name().toLowerCase(java.util.Locale.ROOT) + " | composition " + composition.describe();
        }
    }

    /** l learned embeddings prepended to the input embeddings (no position embedding), mask extended. */
    record PromptTuning(String name, int l) implements Modification {
        public PromptTuning {
            if (l <= 0) throw new MethodSpecException("prompt length l must be positive, got " + l);
        }

        @Override
        public List<Site> plan(SiteGraph g, String where) {
            List<Site> sites = new ArrayList<>();
            for (Site s : g.sites()) if (s.module() == Site.Module.EMBEDDINGS && s.point() == Point.SUM && s.stack() == Site.Stack.ENCODER) sites.add(s);
            if (sites.isEmpty()) throw new MethodSpecException(where + ": the architecture has no encoder embedding site for prompts");
            if (l + 2 > g.maxPositions()) throw new MethodSpecException(where + ": l=" + l + " leaves no room in the model's " + g.maxPositions() + " positions");
            return sites;
        }

        /** Applied at the embedding sum: lengthens it and its mask; two prompts would depend on their order. */
        @Override
        public Footprint footprint(Site site) {
            return new Footprint(Footprint.Stage.EXTEND, Set.of(), Set.of(site, site.at(Point.MASK)), false, true);
        }

        @Override
        public String scope(Site site) {
            return name + "." + site.stack().name().toLowerCase();
        }

        @Override
        public void apply(BuildContext ctx) {
            extendInput(ctx, ctx.param("embedding", Init.NORMAL, l, ctx.graph().hidden()), true);
        }

        @Override
        public ParameterReport.Counts count(Architecture arch) {
            long n = (long) l * arch.hidden();
            return new ParameterReport.Counts(n, n, n);
        }

        @Override
        public String describe() {
            return name + ": " + l + " prompt embeddings prepended to the encoder input";
        }

        /**
         * Joins l rows of {@code rows} [l, d] to every sequence at the context's embedding-sum site, in front or at
         * the end, extends the 0/1 mask with visible columns and the sequence length; rewires every consumer. Public
         * for plugins that change the input's shape the same way.
         */
        public static void extendInput(BuildContext ctx, SDVariable rows, boolean front) {
            SiteGraph g = ctx.graph();
            SameDiff sd = g.sameDiff();
            Site sumSite = ctx.site();
            Set<String> before = GraphSurgery.ops(sd);
            int d = g.hidden();
            long l = rows.getShape() != null ? rows.getShape()[0] : -1;
            SDVariable batch = g.batchSize(sumSite.stack());
            SDVariable length = g.sequenceLength(sumSite.stack());
            SDVariable sum = g.site(sumSite).orElseThrow();
            SDVariable sum3 = sd.reshape(sum, sd.concat(0, batch, sd.constant(Nd4j.createFromArray(-1L, d))));
            SDVariable p3 = org.petl.core.site.Ops.repeatForBatch(sd, batch, rows, d);
            SDVariable joined = sd.reshape(front ? sd.concat(1, p3, sum3) : sd.concat(1, sum3, p3), -1, d);
            SDVariable longer = length.add(l);
            Site maskSite = sumSite.at(Point.MASK);
            SDVariable mask = g.site(maskSite).orElseThrow();                                   // [B, T] 0/1
            SDVariable ones = sd.tile(sd.onesLike(mask.get(SDIndex.all(), SDIndex.interval(0, 1))), sd.constant(Nd4j.createFromArray(1, (int) l)));
            SDVariable maskExt = front ? sd.concat(1, ones, mask) : sd.concat(1, mask, ones);
            GraphSurgery.rewire(sd, sum, joined, before);
            GraphSurgery.rewire(sd, length, longer, before);
            GraphSurgery.rewire(sd, mask, maskExt, before);
            g.rebind(sumSite, joined);
            g.rebind(maskSite, maskExt);
        }
    }

    /** BitFit: the base model's biases train, nothing is added. */
    record BiasTuning(String name) implements Modification {
        @Override
        public List<Site> plan(SiteGraph g, String where) {
            return List.of();
        }

        /** Touches no site: the base biases train. */
        @Override
        public Footprint footprint(Site site) {
            return new Footprint(Footprint.Stage.PROJECTION, Set.of(), Set.of(), true, false);
        }

        @Override
        public void apply(BuildContext ctx) {
            // nothing is built: the biases are unfrozen
        }

        @Override
        public List<String> unfrozen(SiteGraph g) {
            return g.baseParameters().stream().filter(n -> n.endsWith("bias")).toList();
        }

        @Override
        public ParameterReport.Counts count(Architecture arch) {
            return new ParameterReport.Counts(arch.biasParameters(), arch.biasParameters(), arch.biasParameters());
        }

        @Override
        public String describe() {
            return name + ": the base model's biases train";
        }
    }

    /**
     * The real tokens of the given stacks numbered from l instead of 0: what transformers does when a prefix of l
     * slots comes in as past_key_values (BERT's and BART's position ids start at past_key_values_length, RoBERTa's
     * are offset by it), so that a prefix part beside this one computes exactly what PEFT's PREFIX_TUNING computes.
     * Adds l to the position rows at the stacks' {@code embeddings.positions} sites; rows past the table are held at
     * its last row (inputs must leave l positions free, as they must in transformers).
     */
    record PositionShift(String name, int l, Set<Site.Stack> stacks) implements Modification {
        public PositionShift {
            if (l <= 0) throw new MethodSpecException("position shift l must be positive, got " + l);
            stacks = Set.copyOf(stacks);
            if (stacks.isEmpty()) throw new MethodSpecException("a position shift needs a stack");
        }

        @Override
        public List<Site> plan(SiteGraph g, String where) {
            List<Site> sites = new ArrayList<>();
            for (Site s : g.sites()) {
                if (s.module() == Site.Module.EMBEDDINGS && s.point() == Point.POSITIONS && stacks.contains(s.stack())) sites.add(s);
            }
            if (sites.isEmpty()) throw new MethodSpecException(where + ": " + g.describeModel() + " has no position ids to shift in " + stackNames());
            if (l >= g.maxPositions()) throw new MethodSpecException(where + ": l=" + l + " leaves no room in the model's " + g.maxPositions() + " positions");
            return sites;
        }

        /** Replaces the position rows; a second shift of the same stack would depend on the order, so it conflicts. */
        @Override
        public Footprint footprint(Site site) {
            return new Footprint(Footprint.Stage.EXTEND, Set.of(), Set.of(site), false, false);
        }

        @Override
        public String scope(Site site) {
            return name + "." + site.stack().name().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public void apply(BuildContext ctx) {
            SiteGraph g = ctx.graph();
            SameDiff sd = g.sameDiff();
            Site site = ctx.site();
            Set<String> before = GraphSurgery.ops(sd);
            SDVariable rows = g.site(site).orElseThrow();
            // every scheme's row is linear in the position (t, t + 2, pad + 1 + t), so position t + l is row + l
            org.nd4j.linalg.api.buffer.DataType t = rows.dataType();
            SDVariable shifted = sd.math.min(rows.add(sd.constant(Nd4j.scalar(t, l))), sd.constant(Nd4j.scalar(t, g.positionTableRows() - 1)));
            shifted = sd.identity(ctx.scope(), shifted);
            GraphSurgery.rewire(sd, rows, shifted, before);
            g.rebind(site, shifted);
        }

        @Override
        public ParameterReport.Counts count(Architecture arch) {
            return new ParameterReport.Counts(0, 0, 0);
        }

        @Override
        public String describe() {
            return name + ": the " + stackNames() + " number real tokens from " + l + " (positions shifted past the prefix, as transformers with "
                    + l + " past keys/values)";
        }

        private String stackNames() {
            return String.join(" and ", stacks.stream().sorted().map(x -> x.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
    }

    /**
     * A plugin's own kind of part (registered through a {@link MethodProvider}): it plans, declares its footprint,
     * builds, counts and describes itself like the built-in ones, and may change the graph's shape (as prompt tuning
     * does) — anything {@link BuildContext}, {@link SiteGraph} and {@link GraphSurgery} allow.
     */
    non-sealed interface Structural extends Modification {
    }
}
