package org.petl.core.method;

import org.petl.core.arch.ModelDescription;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Stack;

import java.util.List;

/**
 * The shape of a Transformer, enough to count parameters without weights. Everything comes from its
 * {@link ModelDescription} (the same record the graph is built from): sites, widths, base and bias counts.
 */
public record Architecture(ModelDescription description) {

    public static final List<Architecture> BUILT_IN = ModelDescription.BUILT_IN.stream().map(Architecture::new).toList();

    public static Architecture named(String name) {
        return new Architecture(ModelDescription.named(name));
    }

    public String name() {
        return description.name();
    }

    public int hidden() {
        return description.hidden();
    }

    public int layers(Stack s) {
        return description.layers(s);
    }

    /** Every site of the architecture (layer by layer), as a built graph would list them. */
    public List<Site> sites() {
        return description.sites();
    }

    public int width(Site s) {
        return description.width(s);
    }

    /** Base parameters as Hugging Face counts them (tied embeddings once; BART's final_logits_bias is a buffer). */
    public long baseParameters() {
        return description.baseParameters();
    }

    /** Number of bias tensors' values (BitFit's trainable count, LayerNorm biases included). */
    public long biasParameters() {
        return description.biasParameters();
    }
}
