package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.petl.core.arch.ModelDescription;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;

/**
 * Multi-head attention in its three kinds: bidirectional self-attention (encoder), causal self-attention (the
 * decoder; causality is in the mask) and cross-attention (queries from the decoder, keys/values from the encoder
 * output). Sites of a module: input (query side), context (key/value side), q, k, v, keys, values (what is
 * attended over: k/v, after a decoder step's cached rows), mask, scores, heads, output.
 */
public final class Attention {

    private Attention() {
    }

    /** Where the keys and values come from. */
    public sealed interface KeyValues permits FromContext, WithPast, Given {
    }

    /** k, v projected from the context (no cache): keys = k, values = v. */
    public record FromContext() implements KeyValues {
    }

    /**
     * A decoder step's self-attention: the new rows' k, v follow the cached ones ({@code [B, P, d]} each);
     * {@link Result#presentKeys()}/{@code presentValues} are the cache for the next step (never with prefixes).
     */
    public record WithPast(SDVariable pastKeys, SDVariable pastValues) implements KeyValues {
    }

    /**
     * Keys and values computed elsewhere ({@code [B, S, d]}, e.g. cross-attention's k/v of the encoder output,
     * computed once per source by {@link #projectContext}).
     */
    public record Given(SDVariable keys, SDVariable values) implements KeyValues {
    }

    /** The module output [N, d]; with {@link WithPast}, the cache [B, P + T, d] for the next step. */
    public record Result(SDVariable output, SDVariable presentKeys, SDVariable presentValues) {
    }

    /** Registers the context, k and v sites of a module and returns {k, v} [N_ctx, d]. */
    public static SDVariable[] projectContext(ModelGraph g, Site module, SDVariable context) {
        int d = g.hidden();
        SDVariable c = g.site(module.at(Point.CONTEXT), context);
        SDVariable k = g.register(module.at(Point.K), g.linear(module.at(Point.K).name(), c, g.names().projection(module.at(Point.K)), d, d));
        SDVariable v = g.register(module.at(Point.V), g.linear(module.at(Point.V).name(), c, g.names().projection(module.at(Point.V)), d, d));
        return new SDVariable[]{k, v};
    }

    /**
     * @param module  the module (any point; e.g. {@code decoder.layer.0.cross_attn.input})
     * @param x       the query-side input [N, d] (already the INPUT site)
     * @param context the key/value side [N_ctx, d] (x itself for self-attention); unused with {@link Given}
     * @param mask    additive mask broadcastable to [B, H, T, S]
     */
    public static Result build(ModelGraph g, Site module, SDVariable x, SDVariable context, SDVariable mask, KeyValues kv) {
        SameDiff sd = g.sameDiff();
        ModelDescription desc = g.description();
        int d = desc.hidden(), heads = desc.heads(), hs = desc.headSize();
        SDVariable batch = g.batchSize(module.stack());
        SDVariable m = g.site(module.at(Point.MASK), mask);
        SDVariable q = g.register(module.at(Point.Q), g.linear(module.at(Point.Q).name(), x, g.names().projection(module.at(Point.Q)), d, d));
        SDVariable keys, values, presentK = null, presentV = null;
        if (kv instanceof WithPast p) {
            SDVariable[] kvs = projectContext(g, module, context);
            // two concats of the same rows: the cache output, and the keys attended over (prefixes join those only)
            presentK = sd.concat(module.name() + ".present_keys", 1, p.pastKeys(), g.unflatten(null, kvs[0], module.stack()));
            presentV = sd.concat(module.name() + ".present_values", 1, p.pastValues(), g.unflatten(null, kvs[1], module.stack()));
            keys = sd.reshape(sd.concat(1, p.pastKeys(), g.unflatten(null, kvs[0], module.stack())), -1, d);
            values = sd.reshape(sd.concat(1, p.pastValues(), g.unflatten(null, kvs[1], module.stack())), -1, d);
        } else if (kv instanceof Given given) {
            keys = sd.reshape(given.keys(), -1, d);
            values = sd.reshape(given.values(), -1, d);
        } else {
            SDVariable[] kvs = projectContext(g, module, context);
            keys = kvs[0];
            values = kvs[1];
        }
        keys = g.site(module.at(Point.KEYS), keys);
        values = g.site(module.at(Point.VALUES), values);
        double pDrop = g.options().attentionDropout();
        SDVariable ctx = Blocks.attend(sd, module.at(Point.SCORES).name(), Blocks.splitHeads(sd, q, batch, heads, hs),
                Blocks.splitHeads(sd, keys, batch, heads, hs), Blocks.splitHeads(sd, values, batch, heads, hs),
                m, 1.0 / Math.sqrt(hs), pDrop > 0 ? g.keep(pDrop) : null);
        g.register(module.at(Point.SCORES), sd.getVariable(module.at(Point.SCORES).name()));
        SDVariable h = g.register(module.at(Point.HEADS), Blocks.mergeHeads(sd, module.at(Point.HEADS).name(), ctx, d));
        SDVariable out = g.register(module.at(Point.OUTPUT), g.linear(module.at(Point.OUTPUT).name(), h, g.names().projection(module.at(Point.OUTPUT)), d, d));
        return new Result(out, presentK, presentV);
    }
}
