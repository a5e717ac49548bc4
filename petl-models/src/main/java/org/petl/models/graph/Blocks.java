package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.random.custom.DistributionUniform;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Transformer building blocks in SameDiff, shared by every architecture (BERT/RoBERTa encoders, BART/mBART
 * encoder-decoders). Hidden states are [N, d] with N = B*T; attention reshapes to [B, H, T, hs] internally.
 */
public final class Blocks {

    private Blocks() {
    }

    /** y = x W + b with W stored [in, out]; a frozen W costs no gradient matmul (see SplitGradientMmul). */
    public static SDVariable linear(SameDiff sd, String name, SDVariable x, SDVariable w, SDVariable b) {
        SDVariable y = org.petl.core.site.SplitGradientMmul.of(sd, x, w);
        // the bias's gradient (a sum over rows) runs only when the bias trains; SameDiff's add_bp always computes it
        return b == null ? sd.identity(name, y) : org.petl.core.site.SplitGradientAdd.bias(sd, name, y, b);
    }

    /** LayerNorm over the last axis with the model's epsilon (see {@link org.petl.core.site.Ops#layerNorm}). */
    public static SDVariable layerNorm(SameDiff sd, String name, SDVariable x, SDVariable gain, SDVariable bias, double eps) {
        return org.petl.core.site.Ops.layerNorm(sd, name, x, gain, bias, eps);
    }

    public static SDVariable activation(SameDiff sd, String name, String kind, SDVariable x) {
        return switch (kind) {
            // exact GELU x/2 (1 + erf(x / sqrt 2)), as Hugging Face "gelu"
            case "gelu" -> org.petl.core.method.Nonlinearity.GELU.apply(sd, x).rename(name);
            // tanh approximation, Hugging Face "gelu_new" / "gelu_pytorch_tanh"
            case "gelu_new", "gelu_pytorch_tanh" -> x.mul(0.5).mul(sd.math.tanh(
                    x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI))).add(1.0)).rename(name);
            case "relu" -> sd.nn.relu(name, x, 0);
            case "tanh" -> sd.math.tanh(name, x);
            default -> throw new IllegalArgumentException("unknown activation '" + kind + "' (gelu, gelu_new, relu, tanh)");
        };
    }

    /**
     * Inverted dropout that trains: x * (u < keep) / keep with u uniform in [0, 1). SameDiff M2.1's own dropout op
     * has no gradient; here the mask is a constant w.r.t. x and the gradient flows through the multiply. With
     * keep = 1 (evaluation) the mask is all ones.
     */
    public static SDVariable dropout(SameDiff sd, String name, SDVariable x, SDVariable keep) {
        SDVariable u = new DistributionUniform(sd, x.shape(), 0.0, 1.0, DataType.FLOAT).outputVariable();
        SDVariable mask = u.lt(keep).castTo(DataType.FLOAT).div(keep);
        return x.mul(name, mask);
    }

    /**
     * [B*T, d] -> [B, H, T, hs]. The length is inferred, so a method may lengthen keys and values (prefixes)
     * without touching this code.
     */
    public static SDVariable splitHeads(SameDiff sd, SDVariable x, SDVariable batch, int heads, int headSize) {
        SDVariable shape = sd.concat(0, batch, sd.constant(Nd4j.createFromArray(-1L, heads, headSize)));
        return sd.permute(sd.reshape(x, shape), 0, 2, 1, 3);
    }

    /** [B, H, T, hs] -> [N, d] */
    public static SDVariable mergeHeads(SameDiff sd, String name, SDVariable x, int hidden) {
        SDVariable t = sd.permute(x, 0, 2, 1, 3);
        return sd.reshape(name, t, -1, hidden);
    }

    /**
     * Scaled dot-product attention on heads: softmax(q k^T * scale + mask) v, probabilities dropped out.
     * The masked logits [B,H,T,S] are named {@code scoresName} (the SCORES site).
     * q [B,H,T,hs], k/v [B,H,S,hs], mask broadcastable to [B,H,T,S]. Returns [B,H,T,hs].
     */
    public static SDVariable attend(SameDiff sd, String scoresName, SDVariable q, SDVariable k, SDVariable v, SDVariable mask,
                                    double scale, SDVariable keep) {
        // the mask is never differentiated: no reduction of the scores' gradient onto its broadcast shape
        SDVariable scores = org.petl.core.site.SplitGradientAdd.constant(sd, scoresName, sd.mmul(q, k, false, true, false).mul(scale), mask);
        SDVariable probs = sd.nn.softmax(scoresName + "_probs", scores, 3);
        if (keep != null) probs = dropout(sd, scoresName + "_dropped", probs, keep);
        return sd.mmul(probs, v);
    }
}
