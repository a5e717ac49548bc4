package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.petl.core.arch.ModelDescription;

/**
 * Additive attention masks built in the graph from 0/1 token masks: 0 where a key is visible, a large negative
 * value where it is not (BERT/RoBERTa −10000, BART/mBART float32 min, as Hugging Face).
 */
public final class Masks {

    private Masks() {
    }

    public static double negative(ModelDescription d) {
        return switch (d.family()) {
            case BERT, ROBERTA -> -10000.0;
            case BART, MBART -> -Float.MAX_VALUE;
        };
    }

    /** Key padding mask [B, 1, 1, S] from the 0/1 key mask [B, S]. */
    public static SDVariable padding(SameDiff sd, String name, SDVariable keyMask, double negative) {
        SDVariable visible = sd.expandDims(sd.expandDims(keyMask, 1), 1);
        return visible.rsub(1.0).mul(name, negative);
    }

    /**
     * Causal + padding mask [B, 1, T, S] for {@code T} queries that are the last T of the S keys (S = T without a
     * cache, S = past + T in a decoder step): query i sees keys j ≤ S − T + i that the key mask marks real.
     *
     * @param queryIds [B, T] (only its length is used)
     * @param keyMask  0/1 [B, S]
     */
    public static SDVariable causal(SameDiff sd, String name, SDVariable queryIds, SDVariable keyMask, double negative) {
        SDVariable onesS = sd.onesLike(keyMask.castTo(DataType.FLOAT).get(org.nd4j.autodiff.samediff.SDIndex.point(0), org.nd4j.autodiff.samediff.SDIndex.all()));
        SDVariable onesT = sd.onesLike(queryIds.castTo(DataType.FLOAT).get(org.nd4j.autodiff.samediff.SDIndex.point(0), org.nd4j.autodiff.samediff.SDIndex.all()));
        SDVariable col = sd.cumsum(onesS, false, false, 0).sub(1.0);                  // 0 .. S-1
        SDVariable past = onesS.sum().sub(onesT.sum());                               // S - T
        SDVariable row = sd.cumsum(onesT, false, false, 0).sub(1.0).add(past);        // S-T .. S-1
        SDVariable allowed = sd.reshape(row, -1, 1).gte(sd.reshape(col, 1, -1)).castTo(DataType.FLOAT);   // [T, S]
        SDVariable visible = sd.expandDims(sd.expandDims(allowed, 0), 0).mul(sd.expandDims(sd.expandDims(keyMask.castTo(DataType.FLOAT), 1), 1));
        // stated as [B, 1, T, S]: with B = T = S = 1 (one source decoded greedily, first step) M2.1's point index and
        // broadcast leave a rank-2 [1, 1], which attention tolerates but prefix tuning's mask concat (axis 3) does not
        SDVariable kShape = sd.shape(keyMask).castTo(DataType.LONG), qShape = sd.shape(queryIds).castTo(DataType.LONG);
        SDVariable shape = sd.concat(0, sd.gather(kShape, new int[]{0}, 0), sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(1L)),
                sd.gather(qShape, new int[]{1}, 0), sd.gather(kShape, new int[]{1}, 0));
        return sd.reshape(name, visible.rsub(1.0).mul(negative), shape);
    }
}
