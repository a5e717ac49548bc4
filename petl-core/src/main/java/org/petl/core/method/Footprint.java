package org.petl.core.method;

import org.petl.core.site.Site;

import java.util.Set;

/**
 * Where one application of a modification (one part of a method at one site) reads and writes. The rewriter orders
 * a union's applications and rejects ambiguous unions from these declarations alone (AdapterHub's
 * {@code ConfigUnion.validate}, derived from reads and writes instead of a list of forbidden pairs).
 *
 * @param stage    when, among the writes to the same site, this one happens ({@link Stage})
 * @param reads    sites whose values the application reads (its input, the query of prefix forms, the scores of
 *                 the gated form); the site it writes is read too when the stage is {@link Stage#SEQUENTIAL}
 * @param writes   sites whose values it replaces
 * @param commutes writes of the same stage at the same site give the same result in either order when both
 *                 commute: additive compositions (h + Δh, h + s·Δh) and prefix concatenation
 * @param reshapes the writes change the shape of the values (prefix keys/values prepended, prompts): a part that
 *                 reads such a site as its input cannot tell which shape it gets, so the union is rejected
 */
public record Footprint(Stage stage, Set<Site> reads, Set<Site> writes, boolean commutes, boolean reshapes) {

    public Footprint {
        reads = Set.copyOf(reads);
        writes = Set.copyOf(writes);
    }

    /**
     * The documented order of writes to one site. A union is applied so that at every site the writes happen in this
     * order; parts that write different sites keep the order the user typed (the rewiring makes every later
     * consumer see the modified value, whatever the order).
     */
    public enum Stage {
        /** Projection-level change, h + f(projection input): LoRA on q, k, v, o, the FFN's W1/W2. */
        PROJECTION,
        /** Re-expresses the attention itself at its heads: the gated prefix (1 − λ)·h + λ·Δh. */
        ATTENTION,
        /** Reads the value it modifies: h + f(h) (Houlsby, Pfeiffer), plugins' h ⊙ l. */
        SEQUENTIAL,
        /** Reads beside the sub-layer: h + f(x) (parallel adapters, the multi-head parallel adapter). */
        PARALLEL,
        /** Lengthens keys/values or the input: prefix concatenation, prompts. Last, so every change of the real
         * tokens' keys and values happens before the prefixes are prepended. */
        EXTEND;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
