package org.petl.core.site;

import java.util.Locale;

/**
 * A named place in a Transformer where a PETL method may read or modify a hidden state: the "modified
 * representation" dimension of the unified view. Names read like {@code encoder.layer.3.self_attn.q}.
 *
 * <p>Hidden states at sites are 2-D {@code [N, d]} with {@code N = batch * tokens} (row-major, token-major within
 * a sequence), except {@link Point#MASK} (additive attention mask {@code [B, 1, T_q|1, S]}) and {@link Point#SCORES}
 * ({@code [B, H, T, S]}).
 *
 * <p>The vocabulary is the same for every architecture: an encoder-only model has {@link Stack#ENCODER} sites
 * only; an encoder-decoder adds {@link Stack#DECODER} with self-attention, cross-attention and FFN.
 */
public record Site(Stack stack, int layer, Module module, Point point) {

    public enum Stack { ENCODER, DECODER }

    /** The sub-layer a site belongs to; EMBEDDINGS is the input embedding block (layer -1). */
    public enum Module { SELF_ATTN, CROSS_ATTN, FFN, EMBEDDINGS }

    public enum Point {
        /**
         * The residual stream entering the sub-layer (the value its residual adds back). Equals INPUT in post-LN
         * models; in pre-LN models (mBART) INPUT is LN(RESIDUAL).
         */
        RESIDUAL,
        /** Sub-layer input x as the sub-layer computes on it (attention: the query side). The input of parallel insertion. */
        INPUT,
        /** Attention key/value side (= INPUT for self-attention, the encoder output for cross-attention). */
        CONTEXT,
        /** Projection outputs Wq x, Wk c, Wv c (bias included), before the split into heads. */
        Q, K, V,
        /**
         * The keys and values the attention attends over, [N_keys, d]: K and V, after a decoder step's cached
         * past rows (equal to K and V without a cache). Prefix tuning prepends its slots here, so the cache never
         * holds prefixes.
         */
        KEYS, VALUES,
        /** Additive attention mask, broadcastable to [B, H, T_q, S]; at the embeddings the 0/1 token mask [B, T]. */
        MASK,
        /** Attention logits s·q kᵀ + mask [B, H, T, S], before the softmax (the gated prefix form reads them). */
        SCORES,
        /** Concatenated per-head attention outputs, before the output projection Wo. */
        HEADS,
        /** Sub-layer output before the residual: attention Wo·heads + b, FFN W2·act(W1 x) + b. */
        OUTPUT,
        /**
         * Sub-layer output after the model's own dropout of it, what the residual adds (= OUTPUT without dropout).
         * Adapters (sequential, parallel, post-norm) compose here, as in the paper's code and AdapterHub; the rewriter
         * maps their OUTPUT placement to it, while projection-level changes (LoRA on Wo, W2) act on OUTPUT, inside the
         * dropout.
         */
        DROPPED,
        /** FFN: W1 x + b before the activation. */
        HIDDEN_PRE,
        /** FFN: act(W1 x + b), the input of W2. */
        HIDDEN,
        /** Embeddings: the sum word + position (+ type) before the embedding LayerNorm. */
        SUM,
        /**
         * Embeddings: the position-table rows the tokens read, INT [B, T]. A prefix with {@code positions=shifted}
         * adds l here, numbering the real tokens from l as transformers does after l past keys/values.
         */
        POSITIONS
    }

    public Site {
        if (module == Module.EMBEDDINGS ? layer != -1 : layer < 0) {
            throw new IllegalArgumentException("bad layer " + layer + " for module " + module);
        }
    }

    public static Site encoder(int layer, Module module, Point point) {
        return new Site(Stack.ENCODER, layer, module, point);
    }

    public static Site decoder(int layer, Module module, Point point) {
        return new Site(Stack.DECODER, layer, module, point);
    }

    public static Site embeddings(Stack stack, Point point) {
        return new Site(stack, -1, Module.EMBEDDINGS, point);
    }

    public Site at(Point p) {
        return new Site(stack, layer, module, p);
    }

    /** e.g. {@code encoder.layer.3.self_attn.q}, {@code decoder.layer.0.cross_attn.heads}, {@code encoder.embeddings.sum}. */
    public String name() {
        String s = stack.name().toLowerCase(Locale.ROOT);
        String p = point.name().toLowerCase(Locale.ROOT);
        if (module == Module.EMBEDDINGS) return s + ".embeddings." + p;
        return s + ".layer." + layer + "." + module.name().toLowerCase(Locale.ROOT) + "." + p;
    }

    /** Inverse of {@link #name()}. */
    public static Site parse(String name) {
        String[] p = name.split("\\.");
        try {
            Stack stack = Stack.valueOf(p[0].toUpperCase(Locale.ROOT));
            if (p.length == 3 && p[1].equals("embeddings")) return embeddings(stack, Point.valueOf(p[2].toUpperCase(Locale.ROOT)));
            if (p.length == 5 && p[1].equals("layer")) {
                return new Site(stack, Integer.parseInt(p[2]), Module.valueOf(p[3].toUpperCase(Locale.ROOT)), Point.valueOf(p[4].toUpperCase(Locale.ROOT)));
            }
        } catch (RuntimeException ignored) {
            // fall through to the one-line error
        }
        throw new IllegalArgumentException("'" + name + "' is not a site name like encoder.layer.0.self_attn.q");
    }

    @Override
    public String toString() {
        return name();
    }

    public boolean isAttention() {
        return module == Module.SELF_ATTN || module == Module.CROSS_ATTN;
    }
}
