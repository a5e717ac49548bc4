package org.petl.core.site;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A SameDiff Transformer graph together with its named sites: what a model builder hands to the PETL rewriter.
 * The rewriter only reads and rewires site variables; it never needs the model's attention or FFN code.
 */
public interface SiteGraph {

    SameDiff sameDiff();

    /** The model in words for error messages, e.g. {@code model 'bart-large' (bart)}. */
    default String describeModel() {
        return "the architecture";
    }

    /** The variable currently holding a site, if the architecture has it. */
    Optional<SDVariable> site(Site site);

    /** All sites the architecture has, in graph order. */
    List<Site> sites();

    /** Width of the hidden state at a site (d, or the FFN width at hidden_pre/hidden). */
    int width(Site site);

    /** Rows of the position table: the longest input, prompts included, the model can take. */
    int maxPositions();

    /**
     * Rows of the position table itself ({@link #maxPositions()} plus an offset some families keep, BART's 2): the
     * bound a shifted position row is held below, so that no gather reads past the table.
     */
    default int positionTableRows() {
        return maxPositions();
    }

    /**
     * A FLOAT scalar that is 1 while training with dropout and 0 at inference: method-internal dropout (LoRA, adapter,
     * prefix dropout) keeps with probability 1 − p·on. Empty when the graph has no dropout switch.
     */
    default Optional<SDVariable> dropoutOn() {
        return Optional.empty();
    }

    /** Model width d, heads H (head size d/H). */
    int hidden();

    int heads();

    /** Number of layers in a stack (0 when the stack is absent). */
    int layers(Site.Stack stack);

    /** Batch size and sequence length of a stack as scalar graph variables (for reshapes of [N, d] site states). */
    SDVariable batchSize(Site.Stack stack);

    SDVariable sequenceLength(Site.Stack stack);

    /**
     * The weights of an attention module's projections, [in, out] in the graph: {@code q}, {@code k}, {@code v},
     * {@code o} and biases {@code q_bias}... Methods that reuse the query projection (prefix in its gated form, the
     * multi-head parallel adapter) read them here.
     */
    SDVariable attentionParameter(Site module, String which);

    /**
     * The LayerNorm that follows the residual of a sub-layer, as a function on [N, d] (for the Pfeiffer placement,
     * whose adapter reads LN(x + h) computed with the layer's own LayerNorm).
     */
    UnaryOperator<SDVariable> residualNorm(Site module);

    /** Name of the trainable base parameters (weights, biases, LayerNorms, embeddings) of the model. */
    List<String> baseParameters();

    /** Base parameters that cannot train in this graph (excluded from full fine-tuning); empty by default. */
    default List<String> fixedParameters() {
        return List.of();
    }

    /** Task head parameters (trained with every method, like PEFT's modules_to_save). */
    List<String> headParameters();

    /**
     * The Hugging Face module name of the projection whose output a site is (q, k, v, attention output, FFN
     * hidden_pre and output), e.g. {@code encoder.layer.0.attention.self.query}; its weight is {@code name + ".weight"}
     * in the graph, stored [in, out].
     */
    String moduleName(Site site);

    /** Records that a site's value is now held by another variable (after the rewriter rewired its consumers). */
    void rebind(Site site, SDVariable now);

    /**
     * How this graph is named in transformers (for PEFT export/import and merged HF folders); empty when the
     * architecture has no transformers equivalent petl knows.
     */
    default java.util.Optional<org.petl.core.adapter.HfLayout> hfLayout() {
        return java.util.Optional.empty();
    }
}
