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

    /** The LoRA updates s·down·up [in, out] of every LoRA site, by base weight name. */
    public static Map<String, INDArray> updates(AppliedMethod applied) {
        SiteGraph g = applied.graph();
        Map<String, INDArray> out = new HashMap<>();
        for (Modification m : applied.method().modifications()) {
            if (!(m instanceof Modification.Delta d) || !AdapterFiles.isLora(d)) continue;
            double s = ((Composition.Scaled) d.composition()).s();
            for (Site site : d.at().sites(g)) {
                String scope = d.name() + "." + site.name();
                INDArray down = g.sameDiff().getArrForVarName(scope + ".down.weight");
                INDArray up = g.sameDiff().getArrForVarName(scope + ".up.weight");
                out.merge(g.moduleName(site) + ".weight", down.mmul(up).muli(s), INDArray::add);
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
