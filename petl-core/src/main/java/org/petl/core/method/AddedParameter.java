package org.petl.core.method;

/**
 * A parameter a method added to the graph.
 *
 * @param graphName  the SameDiff variable name
 * @param savedName  the name in adapter_model.safetensors (Hugging Face PEFT names for LoRA)
 * @param transposed true when the file holds the transpose of the graph layout (Linear weights: the graph keeps
 *                   [in, out], files keep PyTorch's [out, in])
 * @param stored     false for training-only parameters (the prefix MLP, collapsed to plain prefixes on save)
 * @param derived    true for a value computed from other parameters (a prefix produced by the MLP): not trained,
 *                   but evaluated and stored on save
 */
public record AddedParameter(String graphName, String savedName, long[] shape, boolean transposed, boolean stored,
                             boolean derived) {
}
