package org.petl.core.method;

import java.util.List;

/**
 * A PETL method: a named composition of modifications. {@code spec} is the text a user typed
 * (e.g. {@code mam:l=16,r=16,s=2}), kept for provenance and for adapter_config.json.
 *
 * @param fullFineTuning every base parameter trains (the baseline, not a PETL method)
 */
public record PetlMethod(String spec, List<Modification> modifications, boolean fullFineTuning) {

    public PetlMethod {
        modifications = List.copyOf(modifications);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Modification m : modifications) {
            if (!names.add(m.name())) throw new MethodSpecException("method '" + spec + "' uses the name '" + m.name() + "' twice; name the parts apart");
        }
    }

    public static PetlMethod of(String spec, Modification... mods) {
        return new PetlMethod(spec, List.of(mods), false);
    }

    /** The concatenation of two methods (AdapterHub's ConfigUnion, petl's {@code +}). */
    public PetlMethod plus(PetlMethod other) {
        List<Modification> all = new java.util.ArrayList<>(modifications);
        all.addAll(other.modifications);
        return new PetlMethod(spec + "+" + other.spec, all, fullFineTuning || other.fullFineTuning);
    }
}
