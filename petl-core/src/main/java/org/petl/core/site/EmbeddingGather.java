package org.petl.core.site;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.api.ops.impl.shape.Gather;

/**
 * Row lookup {@code table[ids]} (rows of a [V, d] table for ids [N]) whose gradient is a scatter-add: the rows of
 * repeated ids add up, and the gradient builds any number of times in one graph. SameDiff M2.1's own gather
 * gradient does neither, which kept the word-embedding table (also the tied LM output layer) frozen.
 *
 * <p>Like {@link SplitGradientMmul} the op has its own name, registered as an alias of the native {@code gather},
 * because SameDiff recreates ops from their names when it builds the gradient function.
 */
public final class EmbeddingGather extends Gather {

    public static final String OP_NAME = "petl_embedding_gather";

    /** Whether ND4J accepted the registration; false means lookups are one-hot products (same values, slower). */
    public static final boolean AVAILABLE = OpAliases.register(OP_NAME, "gather", EmbeddingGather.class, Gather.class);

    public EmbeddingGather(SameDiff sd, SDVariable table, SDVariable ids) {
        super(sd, table, ids, 0);
    }

    /** Used by SameDiff when it recreates the op (gradient function, serialisation). */
    public EmbeddingGather() {
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    /** ND4J looks properties up by op name, which its descriptor tables don't know: the one property is the axis. */
    @Override
    public Map<String, Object> propertiesForFunction() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("dimensions", (long) jaxis);
        return p;
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable table = arg(0);
        SDVariable ids = arg(1);
        // lock=true: the native scatter runs sequentially, so repeated ids add up without a race
        ScatterAdd scatter = new ScatterAdd(sameDiff, sameDiff.zerosLike(table), ids, gradients.get(0));
        scatter.addBArgument(true);
        return List.of(scatter.outputVariable(), sameDiff.zerosLike(ids));
    }

    /**
     * The rows of {@code table} [V, d] for {@code ids} [N] (int). Falls back to a one-hot product when the op could
     * not be registered (another ND4J version): same values and gradient, V times more work.
     */
    public static SDVariable of(SameDiff sd, SDVariable table, SDVariable ids, int rows) {
        if (!AVAILABLE) return sd.oneHot(ids, rows).castTo(table.dataType()).mmul(table);
        return new EmbeddingGather(sd, table, ids).outputVariable();
    }
}
