package org.petl.core.arch;

import org.petl.core.method.MethodSpecException;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that decides the shape and the computation of a Transformer, and nothing about weights: the one
 * description from which petl builds the SameDiff graph (petl-models' {@code ModelGraph}), lists the tensors a
 * checkpoint must hold, enumerates the sites, and counts parameters ({@link org.petl.core.method.Architecture}).
 *
 * @param name               display name (e.g. {@code bart-large}, or the folder a config came from)
 * @param family             tensor-name scheme (see {@link TensorNames})
 * @param encoderLayers      layers of the encoder stack
 * @param decoderLayers      layers of the decoder stack (0: encoder-only)
 * @param hidden             model width d
 * @param heads              attention heads (d divisible by heads)
 * @param ffn                FFN inner width
 * @param vocab              vocabulary size (rows of the word table)
 * @param maxPositions       the config's {@code max_position_embeddings} (BART's table has 2 more rows)
 * @param typeVocab          rows of the token-type table (0: none, as BART)
 * @param norm               LayerNorm after the residual (BERT, BART) or at the sub-layer input (mBART)
 * @param positions          position scheme
 * @param layerNormEmbedding LayerNorm over the summed embeddings
 * @param scaleEmbedding     token embeddings (not positions) multiplied by √d
 * @param finalLayerNorm     a LayerNorm at the end of each stack (mBART)
 * @param activation         FFN activation: gelu (erf), gelu_new, relu, tanh
 * @param layerNormEps       LayerNorm epsilon
 * @param tiedEmbeddings     the LM head is the word table (encoder-decoders)
 * @param finalLogitsBias    BART's {@code final_logits_bias} buffer [1, vocab] added to the LM logits
 * @param pooler             BERT/RoBERTa pooler (dense d×d), counted in the base, never used by petl's graphs
 * @param padTokenId         padding id (RoBERTa positions skip it)
 */
public record ModelDescription(String name, Family family, int encoderLayers, int decoderLayers, int hidden, int heads,
                               int ffn, int vocab, int maxPositions, int typeVocab, Norm norm, PositionScheme positions,
                               boolean layerNormEmbedding, boolean scaleEmbedding, boolean finalLayerNorm,
                               String activation, double layerNormEps, boolean tiedEmbeddings, boolean finalLogitsBias,
                               boolean pooler, int padTokenId) {

    /** The naming of a family's tensors: BERT and RoBERTa share one, BART and mBART another. */
    public enum Family {
        BERT, ROBERTA, BART, MBART;

        public TensorNames names() {
            return switch (this) {
                case BERT, ROBERTA -> TensorNames.Bert.INSTANCE;
                case BART, MBART -> TensorNames.Bart.INSTANCE;
            };
        }
    }

    /** Where the LayerNorm of a sub-layer sits. */
    public enum Norm {
        /** h = LN(h + f(h)) (BERT, RoBERTa, BART). */
        POST,
        /** h = h + f(LN(h)) (mBART). */
        PRE
    }

    public enum PositionScheme {
        /** Position t of the sequence looks up row t (BERT). */
        ABSOLUTE,
        /** RoBERTa: pad tokens get padIdx, real tokens padIdx + 1 + their count so far. */
        ROBERTA_PADDED,
        /** BART/mBART: row t + 2 whatever the padding (the table has maxPositions + 2 rows). */
        OFFSET_2
    }

    public ModelDescription {
        if (encoderLayers <= 0 || decoderLayers < 0 || hidden <= 0 || heads <= 0 || ffn <= 0 || vocab <= 0 || maxPositions <= 0 || typeVocab < 0) {
            throw new MethodSpecException("model '" + name + "': sizes must be positive (layers " + encoderLayers + "/" + decoderLayers
                    + ", d " + hidden + ", heads " + heads + ", ffn " + ffn + ", vocab " + vocab + ", positions " + maxPositions + ")");
        }
        if (hidden % heads != 0) throw new MethodSpecException("model '" + name + "': hidden " + hidden + " is not divisible by heads " + heads);
        boolean encDec = family == Family.BART || family == Family.MBART;
        if (encDec != (decoderLayers > 0)) {
            throw new MethodSpecException("model '" + name + "': family " + family + (encDec ? " needs decoder layers" : " has no decoder"));
        }
        if (activation == null) throw new MethodSpecException("model '" + name + "': no activation");
    }

    // ------------------------------------------------------------------ families

    /** A BERT encoder (MiniLM, bge, BERT-base): post-LN, absolute positions, token types. */
    public static ModelDescription bert(String name, int layers, int hidden, int heads, int ffn, int vocab, int maxPositions,
                                        int typeVocab, double eps, String activation, boolean pooler) {
        return new ModelDescription(name, Family.BERT, layers, 0, hidden, heads, ffn, vocab, maxPositions, typeVocab, Norm.POST,
                PositionScheme.ABSOLUTE, true, false, false, activation, eps, false, false, pooler, 0);
    }

    /** A RoBERTa encoder: BERT's blocks with padded positions (maxPositions counts the padIdx + 1 offset rows). */
    public static ModelDescription roberta(String name, int layers, int hidden, int heads, int ffn, int vocab, int maxPositions,
                                           int typeVocab, double eps, String activation, boolean pooler, int padTokenId) {
        return new ModelDescription(name, Family.ROBERTA, layers, 0, hidden, heads, ffn, vocab, maxPositions, typeVocab, Norm.POST,
                PositionScheme.ROBERTA_PADDED, true, false, false, activation, eps, false, false, pooler, padTokenId);
    }

    /** BART: post-LN, offset-2 learned positions, layernorm_embedding, no embedding scale, tied LM head. */
    public static ModelDescription bart(String name, int encoderLayers, int decoderLayers, int hidden, int heads, int ffn, int vocab,
                                        int maxPositions, String activation, boolean scaleEmbedding) {
        return new ModelDescription(name, Family.BART, encoderLayers, decoderLayers, hidden, heads, ffn, vocab, maxPositions, 0,
                Norm.POST, PositionScheme.OFFSET_2, true, scaleEmbedding, false, activation, 1e-5, true, true, false, 1);
    }

    /** mBART: BART with pre-LN blocks, √d embedding scale and a final LayerNorm per stack. */
    public static ModelDescription mbart(String name, int encoderLayers, int decoderLayers, int hidden, int heads, int ffn, int vocab,
                                         int maxPositions, String activation) {
        return new ModelDescription(name, Family.MBART, encoderLayers, decoderLayers, hidden, heads, ffn, vocab, maxPositions, 0,
                Norm.PRE, PositionScheme.OFFSET_2, true, true, true, activation, 1e-5, true, true, false, 1);
    }

    /** The built-in descriptions (no weights needed): the paper's models and the encoders petl loads. */
    public static final List<ModelDescription> BUILT_IN = List.of(
            roberta("roberta-base", 12, 768, 12, 3072, 50265, 514, 1, 1e-5, "gelu", true, 1),
            bart("bart-large", 12, 12, 1024, 16, 4096, 50265, 1024, "gelu", false),
            bart("bart-base", 6, 6, 768, 12, 3072, 50265, 1024, "gelu", false),
            mbart("mbart-large-cc25", 12, 12, 1024, 16, 4096, 250027, 1024, "gelu"),
            bert("bert-base-uncased", 12, 768, 12, 3072, 30522, 512, 2, 1e-12, "gelu", true),
            bert("bert-base-multilingual-cased", 12, 768, 12, 3072, 119547, 512, 2, 1e-12, "gelu", true),
            bert("minilm-l6", 6, 384, 12, 1536, 30522, 512, 2, 1e-12, "gelu", false),
            bert("bge-small", 12, 384, 12, 1536, 30522, 512, 2, 1e-12, "gelu", false));

    public static ModelDescription named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return BUILT_IN.stream().filter(a -> a.name.equals(n)).findFirst().orElseThrow(() -> new MethodSpecException(
                "unknown architecture '" + name + "' (known: " + String.join(", ", BUILT_IN.stream().map(ModelDescription::name).toList()) + ")"));
    }

    // ------------------------------------------------------------------ derived

    public boolean encoderDecoder() {
        return decoderLayers > 0;
    }

    public TensorNames names() {
        return family.names();
    }

    public int headSize() {
        return hidden / heads;
    }

    public int layers(Stack s) {
        return switch (s) {
            case ENCODER -> encoderLayers;
            case DECODER -> decoderLayers;
        };
    }

    /** Rows of the learned position table. */
    public int positionRows() {
        return switch (positions) {
            case ABSOLUTE, ROBERTA_PADDED -> maxPositions;
            case OFFSET_2 -> maxPositions + 2;
        };
    }

    /** Longest sequence (special tokens included) the position table allows. */
    public int maxTokens() {
        return switch (positions) {
            case ABSOLUTE, OFFSET_2 -> maxPositions;
            case ROBERTA_PADDED -> maxPositions - padTokenId - 1;
        };
    }

    /** Position row of token t (0-based) of a sequence without padding before it. */
    public int positionRow(int t) {
        return switch (positions) {
            case ABSOLUTE -> t;
            case ROBERTA_PADDED -> padTokenId + 1 + t;
            case OFFSET_2 -> t + 2;
        };
    }

    /** The attention modules of a layer of a stack, in graph order. */
    public List<Module> modules(Stack s) {
        return switch (s) {
            case ENCODER -> List.of(Module.SELF_ATTN, Module.FFN);
            case DECODER -> List.of(Module.SELF_ATTN, Module.CROSS_ATTN, Module.FFN);
        };
    }

    /** The points a module offers, in graph order. */
    public static List<Point> points(Module m) {
        return switch (m) {
            case SELF_ATTN, CROSS_ATTN -> List.of(Point.RESIDUAL, Point.INPUT, Point.CONTEXT, Point.Q, Point.K, Point.V, Point.KEYS,
                    Point.VALUES, Point.MASK, Point.SCORES, Point.HEADS, Point.OUTPUT, Point.DROPPED);
            case FFN -> List.of(Point.RESIDUAL, Point.INPUT, Point.HIDDEN_PRE, Point.HIDDEN, Point.OUTPUT, Point.DROPPED);
            case EMBEDDINGS -> List.of(Point.MASK, Point.POSITIONS, Point.SUM);
        };
    }

    /** Every site of the model, stack by stack and layer by layer, as a built graph lists them. */
    public List<Site> sites() {
        List<Site> out = new ArrayList<>();
        for (Stack s : Stack.values()) {
            if (layers(s) == 0) continue;
            for (Point p : points(Module.EMBEDDINGS)) out.add(Site.embeddings(s, p));
            for (int i = 0; i < layers(s); i++) {
                for (Module m : modules(s)) for (Point p : points(m)) out.add(new Site(s, i, m, p));
            }
        }
        return out;
    }

    /** Width of the hidden state at a site: the FFN width at hidden_pre/hidden, d elsewhere. */
    public int width(Site s) {
        return s.module() == Module.FFN && (s.point() == Point.HIDDEN_PRE || s.point() == Point.HIDDEN) ? ffn : hidden;
    }

    /**
     * Every tensor a checkpoint of this model holds under petl's graph names (BERT/RoBERTa without the
     * {@code bert.}/{@code roberta.} prefix, BART/mBART exactly as Hugging Face), PyTorch shapes (Linear [out, in]).
     * Tied copies (BART's per-stack embed_tokens, lm_head) and buffers (final_logits_bias) are not listed: see
     * {@link TensorNames#tiedAliases()}.
     */
    public Map<String, long[]> tensors() {
        TensorNames n = names();
        Map<String, long[]> t = new LinkedHashMap<>();
        long d = hidden;
        for (Stack s : Stack.values()) {
            if (layers(s) == 0) continue;
            t.putIfAbsent(n.wordEmbeddings(s) + ".weight", new long[]{vocab, d});
            t.put(n.positionEmbeddings(s) + ".weight", new long[]{positionRows(), d});
            if (typeVocab > 0 && s == Stack.ENCODER) t.put(n.typeEmbeddings() + ".weight", new long[]{typeVocab, d});
            if (layerNormEmbedding) layerNorm(t, n.embeddingNorm(s));
            for (int i = 0; i < layers(s); i++) {
                for (Module m : modules(s)) {
                    if (m == Module.FFN) {
                        linear(t, n.projection(new Site(s, i, m, Point.HIDDEN_PRE)), ffn, d);
                        linear(t, n.projection(new Site(s, i, m, Point.OUTPUT)), d, ffn);
                    } else {
                        for (Point p : List.of(Point.Q, Point.K, Point.V, Point.OUTPUT)) linear(t, n.projection(new Site(s, i, m, p)), d, d);
                    }
                    layerNorm(t, n.norm(new Site(s, i, m, Point.INPUT)));
                }
            }
            if (finalLayerNorm) layerNorm(t, n.finalNorm(s));
        }
        if (pooler) linear(t, n.pooler(), d, d);
        return t;
    }

    private static void linear(Map<String, long[]> t, String module, long out, long in) {
        t.put(module + ".weight", new long[]{out, in});
        t.put(module + ".bias", new long[]{out});
    }

    private void layerNorm(Map<String, long[]> t, String module) {
        t.put(module + ".weight", new long[]{hidden});
        t.put(module + ".bias", new long[]{hidden});
    }

    /** Base parameters as Hugging Face counts them (tied embeddings once; BART's final_logits_bias is a buffer). */
    public long baseParameters() {
        return tensors().values().stream().mapToLong(ModelDescription::size).sum();
    }

    /** Values of the bias tensors (BitFit's trainable count, LayerNorm biases included, the pooler's too). */
    public long biasParameters() {
        return tensors().entrySet().stream().filter(e -> e.getKey().endsWith("bias")).mapToLong(e -> size(e.getValue())).sum();
    }

    static long size(long[] shape) {
        long n = 1;
        for (long x : shape) n *= x;
        return n;
    }
}
