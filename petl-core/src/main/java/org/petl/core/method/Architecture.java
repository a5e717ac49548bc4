package org.petl.core.method;

import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The shape of a Transformer, enough to count parameters without weights: built-in configs for the paper's
 * models (roberta-base, bart-large, mbart-large-cc25) and the encoders petl loads.
 *
 * @param pooler         BERT/RoBERTa pooler (dense d×d) counted in the base
 * @param finalLayerNorm mBART's extra LayerNorm at the end of each stack
 */
public record Architecture(String name, int hidden, int ffn, int heads, int encoderLayers, int decoderLayers, int vocab,
                           int positions, int typeVocab, boolean pooler, boolean finalLayerNorm) {

    public static final List<Architecture> BUILT_IN = List.of(
            new Architecture("roberta-base", 768, 3072, 12, 12, 0, 50265, 514, 1, true, false),
            new Architecture("bart-large", 1024, 4096, 16, 12, 12, 50265, 1026, 0, false, false),
            new Architecture("mbart-large-cc25", 1024, 4096, 16, 12, 12, 250027, 1026, 0, false, true),
            new Architecture("bert-base-uncased", 768, 3072, 12, 12, 0, 30522, 512, 2, true, false),
            new Architecture("bert-base-multilingual-cased", 768, 3072, 12, 12, 0, 119547, 512, 2, true, false),
            new Architecture("minilm-l6", 384, 1536, 12, 6, 0, 30522, 512, 2, false, false),
            new Architecture("bge-small", 384, 1536, 12, 12, 0, 30522, 512, 2, false, false));

    public static Architecture named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return BUILT_IN.stream().filter(a -> a.name.equals(n)).findFirst().orElseThrow(() -> new MethodSpecException(
                "unknown architecture '" + name + "' (known: " + String.join(", ", BUILT_IN.stream().map(Architecture::name).toList()) + ")"));
    }

    public int layers(Stack s) {
        return s == Stack.ENCODER ? encoderLayers : decoderLayers;
    }

    /** Every site of the architecture (layer by layer), as a built graph would list them. */
    public List<Site> sites() {
        List<Site> out = new ArrayList<>();
        for (Stack s : Stack.values()) {
            if (layers(s) == 0) continue;
            out.add(Site.embeddings(s, Point.SUM));
            out.add(Site.embeddings(s, Point.MASK));
            for (int i = 0; i < layers(s); i++) {
                List<Module> modules = s == Stack.DECODER ? List.of(Module.SELF_ATTN, Module.CROSS_ATTN, Module.FFN) : List.of(Module.SELF_ATTN, Module.FFN);
                for (Module m : modules) {
                    List<Point> points = m == Module.FFN ? List.of(Point.INPUT, Point.HIDDEN_PRE, Point.HIDDEN, Point.OUTPUT)
                            : List.of(Point.INPUT, Point.CONTEXT, Point.Q, Point.K, Point.V, Point.MASK, Point.SCORES, Point.HEADS, Point.OUTPUT);
                    for (Point p : points) out.add(new Site(s, i, m, p));
                }
            }
        }
        return out;
    }

    public int width(Site s) {
        return s.module() == Module.FFN && (s.point() == Point.HIDDEN_PRE || s.point() == Point.HIDDEN) ? ffn : hidden;
    }

    /** Base parameters as Hugging Face counts them (tied embeddings once; BART's final_logits_bias is a buffer). */
    public long baseParameters() {
        long d = hidden, f = ffn;
        long ln = 2 * d;
        long attn = 4 * (d * d + d);
        long ffnBlock = d * f + f + f * d + d;
        long n = (long) vocab * d;                                  // token embeddings (shared by both stacks)
        if (decoderLayers == 0) {
            n += (long) positions * d + (long) typeVocab * d + ln;   // BERT/RoBERTa embeddings + LayerNorm
            n += encoderLayers * (attn + ln + ffnBlock + ln);
            if (pooler) n += d * d + d;
        } else {
            n += 2 * ((long) positions * d + ln);                    // learned positions and layernorm_embedding per stack
            n += encoderLayers * (attn + ln + ffnBlock + ln);
            n += decoderLayers * (2 * attn + 2 * ln + ffnBlock + ln);
            if (finalLayerNorm) n += 2 * ln;
        }
        return n;
    }

    /** Number of bias tensors' values (BitFit's trainable count, LayerNorm biases included). */
    public long biasParameters() {
        long d = hidden, f = ffn;
        long enc = encoderLayers * (4 * d + d + f + d + d);           // q k v o biases, attn LN bias, fc1, fc2, ffn LN bias
        long dec = decoderLayers * (8 * d + 2 * d + f + d + d);
        long emb = (decoderLayers == 0 ? 1 : 2) * d;
        long fin = finalLayerNorm ? 2 * d : 0;
        return enc + dec + emb + fin + (pooler ? d : 0);
    }
}
