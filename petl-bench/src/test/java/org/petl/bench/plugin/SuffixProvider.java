package org.petl.bench.plugin;

import org.petl.core.method.Architecture;
import org.petl.core.method.BuildContext;
import org.petl.core.method.Footprint;
import org.petl.core.method.Init;
import org.petl.core.method.MethodProvider;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Modification;
import org.petl.core.method.ParameterReport;
import org.petl.core.method.PetlMethod;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;
import org.petl.core.site.SiteGraph;

import java.util.List;
import java.util.Set;

/**
 * A third-party structural modification, to prove that plugins can change the graph's shape and not only add a Δh:
 * suffix tuning, l learned embeddings appended after every input sequence (prompt tuning at the other end), mask
 * and length extended. It plans, declares its footprint, builds, counts and describes itself through
 * {@link Modification.Structural}; the rewriter orders and conflict-checks it like any built-in part. Registered
 * through META-INF/services in this module's test resources only.
 */
public final class SuffixProvider implements MethodProvider {

    @Override
    public String name() {
        return "suffix";
    }

    @Override
    public String summary() {
        return "suffix tuning: l learned embeddings appended to the input, mask extended (test plugin, structural)";
    }

    @Override
    public List<String> parameters() {
        return List.of("l=4");
    }

    @Override
    public PetlMethod create(Args args) {
        int l = args.positiveInt("l", 4);
        args.finish();
        return PetlMethod.of(args.raw().isEmpty() ? "suffix" : "suffix:l=" + l, new Suffix("suffix", l));
    }

    public record Suffix(String name, int l) implements Modification.Structural {

        @Override
        public List<Site> plan(SiteGraph g, String where) {
            Site sum = Site.embeddings(Site.Stack.ENCODER, Point.SUM);
            if (g.site(sum).isEmpty() || g.site(sum.at(Point.MASK)).isEmpty()) throw new MethodSpecException(where + ": the model has no " + sum + " and mask");
            if (l + 2 > g.maxPositions()) throw new MethodSpecException(where + ": l=" + l + " leaves no room in the model's " + g.maxPositions() + " positions");
            return List.of(sum);
        }

        /** Lengthens the embedding sum and its mask, at the end: like prompts, the last writes there. */
        @Override
        public Footprint footprint(Site site) {
            return new Footprint(Footprint.Stage.EXTEND, Set.of(), Set.of(site, site.at(Point.MASK)), false, true);
        }

        @Override
        public void apply(BuildContext ctx) {
            Modification.PromptTuning.extendInput(ctx, ctx.param("embedding", Init.NORMAL, l, ctx.graph().hidden()), false);
        }

        @Override
        public ParameterReport.Counts count(Architecture arch) {
            long n = (long) l * arch.hidden();
            return new ParameterReport.Counts(n, n, n);
        }

        @Override
        public String describe() {
            return name + ": " + l + " learned embeddings appended to the encoder input";
        }
    }
}
