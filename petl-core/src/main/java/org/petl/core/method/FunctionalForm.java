package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDVariable;

/** Functional form: how Δh is computed from the insertion's input. */
public sealed interface FunctionalForm permits Bottleneck, PrefixAttention, FunctionalForm.Extension {

    /**
     * Builds Δh for one site.
     *
     * @param input    [N, inWidth], the value the insertion form reads
     * @param inWidth  width of the input
     * @param outWidth width of h
     */
    Delta build(BuildContext ctx, SDVariable input, int inWidth, int outWidth);

    /** The paper's parameter formula for one modified site (prefix 2·l·d, adapter 2·r·d, LoRA r·(in+out)). */
    long formulaParameters(int inWidth, int outWidth);

    /** Trainable parameters at one site (biases and LayerNorms included; shared generators counted apart). */
    long trainableParameters(int inWidth, int outWidth);

    String describe();

    /** Whether the form computes per attention head (what multi-head parallel insertion needs). */
    default boolean perHead() {
        return false;
    }

    /** Rejects, in one line starting with {@code where}, sites or graphs the form cannot act on. */
    default void validate(org.petl.core.site.SiteGraph g, java.util.List<org.petl.core.site.Site> sites, String where) {
    }

    /** Sites the form reads besides the insertion's input (prefix forms read the module's query). */
    default java.util.Set<org.petl.core.site.Site> reads(org.petl.core.site.Site site) {
        return java.util.Set.of();
    }

    /**
     * Δh, and for prefix-style forms the log-sum-exp of the prefix logits per head [N, H], which a gated
     * composition turns into λ(x).
     */
    record Delta(SDVariable value, SDVariable gateLogits) {
        public static Delta of(SDVariable value) {
            return new Delta(value, null);
        }
    }

    /** Third-party functional forms (plugins). */
    non-sealed interface Extension extends FunctionalForm {
        @Override
        default boolean perHead() {
            return true;
        }
    }
}
