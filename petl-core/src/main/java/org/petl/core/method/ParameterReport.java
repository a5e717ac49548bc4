package org.petl.core.method;

import org.petl.core.site.Site;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parameter accounting of a method on an architecture, without building a graph.
 *
 * @param formula   the paper's count: prefix 2·l·d and adapters r·(d_in + d_out) per modified site, prompt l·d,
 *                  BitFit the biases (no adapter biases, LayerNorms or reparameterisation)
 * @param trainable what trains: everything added (the prefix MLP included) and unfrozen base biases; no task head
 * @param stored    what adapter_model.safetensors holds (the prefix MLP collapsed to its l×d tables)
 * @param base      the base model's parameters
 */
public record ParameterReport(String architecture, String method, long formula, long trainable, long stored, long base) {

    public double formulaPercent() {
        return 100.0 * formula / base;
    }

    public double trainablePercent() {
        return 100.0 * trainable / base;
    }

    public double storedPercent() {
        return 100.0 * stored / base;
    }

    public static ParameterReport of(Architecture arch, PetlMethod method) {
        long formula = 0, trainable = 0, stored = 0;
        if (method.fullFineTuning()) {
            trainable += arch.baseParameters();
            formula += arch.baseParameters();
        }
        for (Modification m : method.modifications()) {
            Counts c = m.count(arch);
            formula += c.formula();
            trainable += c.trainable();
            stored += c.stored();
        }
        return new ParameterReport(arch.name(), method.spec(), formula, trainable, stored, arch.baseParameters());
    }

    /** One part's counts (see the record's components). */
    public record Counts(long formula, long trainable, long stored) {
    }

    /** The sites of an architecture a placement selects; one-line errors for missing layers or sites. */
    public static List<Site> selected(Placement p, Architecture arch) {
        List<Site> sites = arch.sites();
        for (Site.Stack st : p.stacks()) {
            int n = arch.layers(st);
            for (int i : p.layers()) {
                if (n > 0 && i >= n) throw new MethodSpecException("layer " + i + " does not exist: the " + st.name().toLowerCase(java.util.Locale.ROOT) + " of " + arch.name() + " has " + n + " layers (0-" + (n - 1) + ")");
            }
        }
        List<Site> out = new java.util.ArrayList<>();
        for (Site s : sites) {
            if (p.stacks().contains(s.stack()) && p.modules().contains(s.module()) && p.points().contains(s.point())
                    && (p.layers().isEmpty() || p.layers().contains(s.layer()))) out.add(s);
        }
        if (out.isEmpty()) throw new MethodSpecException("the method has no site " + p.describe() + " in " + arch.name());
        return out;
    }
}
