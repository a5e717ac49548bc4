package org.petl.core.method;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.site.Site;
import org.petl.core.site.SiteGraph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Starting values for prefixes with {@code init=tokens}: the frozen model's own keys and values (the K and V sites
 * of each attention module) for l real tokens, as Li & Liang (2021) initialise prefixes with real words'
 * activations. Computed on the base graph before the method is applied, then handed to
 * {@link Rewriter#apply(SiteGraph, PetlMethod, long, Map)} as preset values.
 */
public final class PrefixActivations {

    private PrefixActivations() {
    }

    /** Whether a method has prefixes that start from real tokens. */
    public static boolean needed(PetlMethod method) {
        return method.modifications().stream().anyMatch(m -> m instanceof Modification.Delta d && fromTokens(d));
    }

    /**
     * @param inputs    placeholders of one batch of real text for the base graph (dropout off)
     * @param tokenRows rows of the [N, d] site states that are real (non-padding) tokens, in text order; the first
     *                  l of them become the prefix
     * @return graph parameter name → [l, d] start value, for every prefix key and value table
     */
    public static Map<String, INDArray> presets(SiteGraph g, PetlMethod method, Map<String, INDArray> inputs, int[] tokenRows) {
        Map<String, String> wanted = new LinkedHashMap<>();     // parameter → site variable
        Map<String, int[]> rowsOf = new LinkedHashMap<>();      // parameter → the real-token rows it takes
        for (Map.Entry<Modification, List<Site>> e : Rewriter.validate(g, method).entrySet()) {
            if (!(e.getKey() instanceof Modification.Delta d) || !fromTokens(d)) continue;
            int l = ((PrefixAttention) d.form()).l();
            if (tokenRows.length < l) {
                throw new MethodSpecException(d.name() + ": init=tokens needs " + l + " real tokens, the text gave " + tokenRows.length);
            }
            int[] rows = Arrays.copyOf(tokenRows, l);
            for (Site site : e.getValue()) {
                String scope = d.name() + "." + site.name();
                wanted.put(scope + ".key", siteVariable(g, site.at(Site.Point.K)));
                wanted.put(scope + ".value", siteVariable(g, site.at(Site.Point.V)));
                rowsOf.put(scope + ".key", rows);
                rowsOf.put(scope + ".value", rows);
            }
        }
        if (wanted.isEmpty()) return Map.of();
        Map<String, INDArray> out = g.sameDiff().output(inputs, new ArrayList<>(new LinkedHashSet<>(wanted.values())));
        Map<String, INDArray> presets = new LinkedHashMap<>();
        wanted.forEach((param, site) -> presets.put(param, out.get(site).getRows(rowsOf.get(param)).dup('c')));
        return presets;
    }

    private static boolean fromTokens(Modification.Delta d) {
        return d.form() instanceof PrefixAttention pa && pa.source() instanceof PrefixSource.Direct direct && direct.fromTokens();
    }

    private static String siteVariable(SiteGraph g, Site site) {
        return g.site(site).orElseThrow(() -> new MethodSpecException("init=tokens: the architecture has no site " + site.name())).name();
    }
}
