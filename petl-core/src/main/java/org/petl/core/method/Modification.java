package org.petl.core.method;

/**
 * One part of a method. {@link Delta} is the unified view's tuple (functional form, modified representation,
 * insertion form, composition); prompt tuning and BitFit sit beside it (they change inputs or which base
 * parameters train, not a hidden state by a learned function).
 */
public sealed interface Modification permits Modification.Delta, Modification.PromptTuning, Modification.BiasTuning {

    /** Names the parameters of this modification: {@code name.site...}. Unique within a method. */
    String name();

    record Delta(String name, FunctionalForm form, Placement at, Insertion insertion, Composition composition)
            implements Modification {
    }

    /** l learned embeddings prepended to the input embeddings (no position embedding), mask extended. */
    record PromptTuning(String name, int l) implements Modification {
        public PromptTuning {
            if (l <= 0) throw new MethodSpecException("prompt length l must be positive, got " + l);
        }
    }

    /** BitFit: the base model's biases train, nothing is added. */
    record BiasTuning(String name) implements Modification {
    }
}
