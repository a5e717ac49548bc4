package org.petl.models.weights;

import org.petl.core.arch.ModelDescription;
import org.petl.core.io.WeightFileException;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A warm-started encoder-decoder from a BERT checkpoint (Rothe, Narayan and Severyn 2020, <i>Leveraging
 * Pre-trained Checkpoints for Sequence Generation Tasks</i>, BERT2BERT with shared-nothing initialisation):
 * <ul>
 *   <li>the encoder is the checkpoint;</li>
 *   <li>the decoder is a copy of it whose self-attention is causal, plus a cross-attention in every layer;</li>
 *   <li>the cross-attention of layer i starts as a copy of layer i's self-attention (q, k, v, output and its
 *       LayerNorm), so nothing is random: Rothe et al. initialise it randomly, which would leave d² · 4 · L
 *       untrained weights in a model whose base petl keeps frozen;</li>
 *   <li>the LM head is the word-embedding table (tied), without a bias.</li>
 * </ul>
 * It is not a third graph builder: the result is an ordinary {@link ModelDescription} of the BART tensor-name
 * family (post-LN like BERT, absolute positions, BERT's LayerNorm epsilon and activation) plus a weight map under
 * BART names, built by the same {@code Seq2SeqLm} as BART. BERT's token-type embedding is folded into the
 * position table (every position row plus type row 0), which is exact because seq2seq inputs are one segment.
 * Every tensor comes from the checkpoint, so every PETL method trains only what it adds; {@code full} trains all
 * of it, cross-attention and the tied word table included.
 */
public final class WarmStart {

    public static final String SUFFIX = ":seq2seq";

    private WarmStart() {
    }

    /** The description of the warm-started model of an encoder config. */
    public static ModelDescription description(String name, EncoderConfig enc) {
        if (enc.family() != EncoderConfig.Family.BERT) {
            throw new WeightFileException(name + ": warm starts are built from BERT-family encoders (absolute positions); "
                    + enc.family().name().toLowerCase(java.util.Locale.ROOT) + " is not supported");
        }
        return new ModelDescription(name, ModelDescription.Family.BART, enc.layers(), enc.layers(), enc.hidden(), enc.heads(), enc.ffn(),
                enc.vocab(), enc.maxPositions(), 0, ModelDescription.Norm.POST, ModelDescription.PositionScheme.ABSOLUTE, true, false, false,
                enc.activation(), enc.layerNormEps(), true, false, false, enc.padTokenId());
    }

    /**
     * The warm-started weights under the description's (BART) names, from checked encoder weights (canonical BERT
     * names, {@link EncoderWeights}). The decoder shares the encoder's tensor objects (they are copied into the
     * graph, never written).
     */
    public static Map<String, HostTensor> weights(ModelDescription d, Map<String, HostTensor> bert) {
        org.petl.core.arch.TensorNames bart = d.names(), src = org.petl.core.arch.TensorNames.Bert.INSTANCE;
        Map<String, HostTensor> w = new LinkedHashMap<>();
        HostTensor word = get(bert, src.wordEmbeddings(Stack.ENCODER) + ".weight");
        w.put(bart.wordEmbeddings(Stack.ENCODER) + ".weight", word);
        for (Map.Entry<String, String> a : bart.tiedAliases().entrySet()) w.put(a.getKey(), word);
        HostTensor positions = foldTypeZero(get(bert, src.positionEmbeddings(Stack.ENCODER) + ".weight"), get(bert, src.typeEmbeddings() + ".weight"));
        for (Stack s : Stack.values()) {
            w.put(bart.positionEmbeddings(s) + ".weight", positions);
            copyModule(bert, src.embeddingNorm(Stack.ENCODER), w, bart.embeddingNorm(s));
            for (int i = 0; i < d.layers(s); i++) {
                Site self = new Site(Stack.ENCODER, i, Module.SELF_ATTN, Point.INPUT);
                List<Module> targets = s == Stack.ENCODER ? List.of(Module.SELF_ATTN) : List.of(Module.SELF_ATTN, Module.CROSS_ATTN);
                for (Module m : targets) {
                    for (Point p : List.of(Point.Q, Point.K, Point.V, Point.OUTPUT)) {
                        copyModule(bert, src.projection(new Site(Stack.ENCODER, i, Module.SELF_ATTN, p)), w, bart.projection(new Site(s, i, m, p)));
                    }
                    copyModule(bert, src.norm(self), w, bart.norm(new Site(s, i, m, Point.INPUT)));
                }
                for (Point p : List.of(Point.HIDDEN_PRE, Point.OUTPUT)) {
                    copyModule(bert, src.projection(new Site(Stack.ENCODER, i, Module.FFN, p)), w, bart.projection(new Site(s, i, Module.FFN, p)));
                }
                copyModule(bert, src.norm(new Site(Stack.ENCODER, i, Module.FFN, Point.INPUT)), w, bart.norm(new Site(s, i, Module.FFN, Point.INPUT)));
            }
        }
        return w;
    }

    private static HostTensor get(Map<String, HostTensor> w, String name) {
        HostTensor t = w.get(name);
        if (t == null) throw new WeightFileException("warm start: the encoder checkpoint has no " + name);
        return t;
    }

    private static void copyModule(Map<String, HostTensor> from, String src, Map<String, HostTensor> to, String dst) {
        to.put(dst + ".weight", get(from, src + ".weight"));
        to.put(dst + ".bias", get(from, src + ".bias"));
    }

    /** Position row r + token-type row 0, for every r. */
    static HostTensor foldTypeZero(HostTensor positions, HostTensor types) {
        int rows = (int) positions.shape()[0], d = (int) positions.shape()[1];
        float[] out = positions.data().clone();
        float[] t = types.data();
        for (int r = 0; r < rows; r++) for (int j = 0; j < d; j++) out[r * d + j] += t[j];
        return new HostTensor(new long[]{rows, d}, out);
    }
}
