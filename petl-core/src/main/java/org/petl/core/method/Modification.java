package org.petl.core.method;

import org.petl.core.site.Site;

/**
 * One part of a method. {@link Delta} is the unified view's tuple (functional form, modified representation,
 * insertion form, composition); prompt tuning and BitFit sit beside it (they change inputs or which base
 * parameters train, not a hidden state by a learned function).
 */
public sealed interface Modification permits Modification.Delta, Modification.PromptTuning, Modification.BiasTuning {

    /** Names the parameters of this modification: {@code name.site...}. Unique within a method. */
    String name();

    /** Where the application of this modification at one of its sites reads and writes. */
    Footprint footprint(Site site);

    record Delta(String name, FunctionalForm form, Placement at, Insertion insertion, Composition composition)
            implements Modification {
        @Override
        public Footprint footprint(Site site) {
            java.util.Set<Site> reads = new java.util.HashSet<>(insertion.reads(site));
            reads.addAll(form.reads(site));
            return composition.footprint(site, insertion, reads);
        }
    }

    /** l learned embeddings prepended to the input embeddings (no position embedding), mask extended. */
    record PromptTuning(String name, int l) implements Modification {
        public PromptTuning {
            if (l <= 0) throw new MethodSpecException("prompt length l must be positive, got " + l);
        }

        /** Applied at the embedding sum: lengthens it and its mask; two prompts would depend on their order. */
        @Override
        public Footprint footprint(Site site) {
            return new Footprint(Footprint.Stage.EXTEND, java.util.Set.of(), java.util.Set.of(site, site.at(Site.Point.MASK)), false, true);
        }
    }

    /** BitFit: the base model's biases train, nothing is added. */
    record BiasTuning(String name) implements Modification {
        /** Touches no site: the base biases train. */
        @Override
        public Footprint footprint(Site site) {
            return new Footprint(Footprint.Stage.PROJECTION, java.util.Set.of(), java.util.Set.of(), true, false);
        }
    }
}
