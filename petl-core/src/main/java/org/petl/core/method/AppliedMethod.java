package org.petl.core.method;

import org.petl.core.site.SiteGraph;

import java.util.List;
import java.util.Map;

/**
 * A method applied to a graph: what was added and what trains.
 *
 * @param added      every parameter the method added (graph name → description), in creation order
 * @param trainable  graph variables that receive gradients and optimizer state: added parameters, the task head,
 *                   and base parameters the method unfreezes (BitFit's biases, all for full fine-tuning)
 */
public record AppliedMethod(PetlMethod method, SiteGraph graph, Map<String, AddedParameter> added, List<String> trainable) {

    public long trainableCount() {
        return trainable.stream().mapToLong(n -> graph.sameDiff().getVariable(n).getArr().length()).sum();
    }

    /** Base parameters of the model (not the head, not added). */
    public long baseCount() {
        return graph.baseParameters().stream().mapToLong(n -> graph.sameDiff().getVariable(n).getArr().length()).sum();
    }

    /** Parameters that are stored in adapter_model.safetensors. */
    public long storedCount() {
        return added.values().stream().filter(AddedParameter::stored).mapToLong(p -> {
            long n = 1;
            for (long d : p.shape()) n *= d;
            return n;
        }).sum();
    }
}
