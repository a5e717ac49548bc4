package org.petl.core.site;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rewires the consumers of a variable to another variable. SameDiff M2.1's GraphTransformUtil empties the graph;
 * {@link SameDiff#replaceArgFor} on each consuming op works.
 */
public final class GraphSurgery {

    private GraphSurgery() {
    }

    /** Snapshot of the op names, taken before a modification builds its own ops. */
    public static Set<String> ops(SameDiff sd) {
        return new HashSet<>(sd.getOps().keySet());
    }

    /**
     * Makes every op in {@code among} that reads {@code from} read {@code to} instead. Ops built after the snapshot
     * (the ones computing {@code to} from {@code from}) keep reading {@code from}.
     */
    public static int rewire(SameDiff sd, SDVariable from, SDVariable to, Set<String> among) {
        Variable meta = sd.getVariables().get(from.name());
        List<String> consumers = meta.getInputsForOp() == null ? List.of() : new ArrayList<>(meta.getInputsForOp());
        int n = 0;
        for (String opName : consumers) {
            if (!among.contains(opName)) continue;
            SameDiffOp op = sd.getOps().get(opName);
            List<String> inputs = op.getInputsToOp();
            for (int i = 0; i < inputs.size(); i++) {
                if (inputs.get(i).equals(from.name())) {
                    sd.replaceArgFor(i, to, op.getOp());
                    n++;
                }
            }
        }
        return n;
    }
}
