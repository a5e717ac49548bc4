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
        List<Site> sites = arch.sites();
        long formula = 0, trainable = 0, stored = 0;
        if (method.fullFineTuning()) {
            trainable += arch.baseParameters();
            formula += arch.baseParameters();
        }
        for (Modification m : method.modifications()) {
            if (m instanceof Modification.Delta d) {
                Set<String> generators = new HashSet<>();
                for (Site s : selected(d.at(), sites, arch)) {
                    int in = arch.width(d.insertion().inputSite(s)), out = arch.width(s);
                    formula += d.form().formulaParameters(in, out);
                    long t = d.form().trainableParameters(in, out);
                    t += d.composition().parameters(out);
                    trainable += t;
                    stored += t;
                    if (d.form() instanceof PrefixAttention pa && pa.source() instanceof PrefixSource.Mlp) {
                        stored += 2L * pa.l() * out;      // collapsed tables
                        if (generators.add(s.stack() + "/" + s.module())) trainable += pa.generatorParameters(arch.hidden(), arch.layers(s.stack()));
                    }
                }
            } else if (m instanceof Modification.PromptTuning p) {
                long n = (long) p.l() * arch.hidden();
                formula += n;
                trainable += n;
                stored += n;
            } else if (m instanceof Modification.BiasTuning) {
                formula += arch.biasParameters();
                trainable += arch.biasParameters();
                stored += arch.biasParameters();
            }
        }
        return new ParameterReport(arch.name(), method.spec(), formula, trainable, stored, arch.baseParameters());
    }

    private static List<Site> selected(Placement p, List<Site> sites, Architecture arch) {
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
