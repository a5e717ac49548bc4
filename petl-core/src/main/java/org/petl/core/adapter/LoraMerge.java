package org.petl.core.adapter;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Composition;
import org.petl.core.method.Modification;
import org.petl.core.site.Site;
import org.petl.core.site.SiteGraph;

import java.util.HashMap;
import java.util.Map;

/**
 * Folds LoRA updates into the base weights, W + s·A·B, so inference runs on a plain base graph at base speed, and
 * takes them out again. Works on graph-layout ([in, out]) copies of the base weights by name.
 */
public final class LoraMerge {

    private LoraMerge() {
    }

    /**
     * Whether a part folds into its projection's weight: a linear Δh (a bottleneck with identity nonlinearity, no biases,
     * no LayerNorm) on a projection's input, under a composition that is h + s·Δh (fixed or learned s).
     */
    public static boolean mergeable(Modification.Delta d) {
        return d.insertion() == org.petl.core.method.Insertion.PROJECTION_PARALLEL && d.composition().additive()
                && d.form() instanceof org.petl.core.method.Bottleneck b && b.act() == org.petl.core.method.Nonlinearity.IDENTITY
                && !b.bias() && b.layerNorm() == org.petl.core.method.Bottleneck.LayerNormPlacement.NONE;
    }

    /** The updates s·down·up [in, out] of every mergeable site, by base weight name; refuses NaN or infinite deltas. */
    public static Map<String, INDArray> updates(AppliedMethod applied) {
        SiteGraph g = applied.graph();
        Map<String, INDArray> out = new HashMap<>();
        for (Modification m : applied.method().modifications()) {
            if (!(m instanceof Modification.Delta d) || !mergeable(d)) continue;
            org.petl.core.method.Bottleneck b = (org.petl.core.method.Bottleneck) d.form();
            for (Site site : d.at().sites(g)) {
                String scope = d.name() + "." + site.name();
                double s = d.composition().linearScale(g.sameDiff(), scope) * b.innerScale();
                INDArray down = g.sameDiff().getArrForVarName(scope + ".down.weight");
                INDArray up = g.sameDiff().getArrForVarName(scope + ".up.weight");
                INDArray upd = down.mmul(up).muli(s);
                if (!Double.isFinite(s) || org.nd4j.linalg.indexing.BooleanIndexing.or(upd, org.nd4j.linalg.indexing.conditions.Conditions.isNan())
                        || org.nd4j.linalg.indexing.BooleanIndexing.or(upd, org.nd4j.linalg.indexing.conditions.Conditions.isInfinite())) {
                    throw new IllegalArgumentException("cannot merge part '" + d.name() + "' at " + site + ": its delta holds NaN or infinite values");
                }
                out.merge(g.moduleName(site) + ".weight", upd, INDArray::add);
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("method '" + applied.method().spec() + "' has no LoRA part to merge");
        return out;
    }

    /** Base weights with the LoRA updates added (graph layout), ready for a plain base graph. */
    public static Map<String, INDArray> merge(AppliedMethod applied) {
        Map<String, INDArray> merged = new HashMap<>();
        updates(applied).forEach((name, upd) -> merged.put(name, applied.graph().sameDiff().getArrForVarName(name).add(upd)));
        return merged;
    }

    /** Takes the updates out of merged weights again. */
    public static Map<String, INDArray> unmerge(Map<String, INDArray> merged, AppliedMethod applied) {
        Map<String, INDArray> out = new HashMap<>();
        updates(applied).forEach((name, upd) -> out.put(name, merged.get(name).sub(upd)));
        return out;
    }
}
