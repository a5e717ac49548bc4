package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.petl.core.arch.ModelDescription;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;

import java.util.ArrayList;
import java.util.List;

/**
 * The layer stacks: an encoder layer is self-attention then FFN, a decoder layer self-attention, cross-attention,
 * FFN; each sub-layer inside a {@link Residual}; mBART ends each stack with a final LayerNorm.
 */
public final class Stacks {

    private Stacks() {
    }

    /** @param keyMask additive padding mask [B, 1, 1, S] */
    public static SDVariable encoder(ModelGraph g, SDVariable h, SDVariable keyMask) {
        ModelDescription d = g.description();
        for (int i = 0; i < d.encoderLayers(); i++) {
            Site attn = new Site(Stack.ENCODER, i, Module.SELF_ATTN, Point.INPUT);
            h = Residual.wrap(g, attn, h, x -> Attention.build(g, attn, x, x, keyMask, new Attention.FromContext()).output());
            Site ffn = new Site(Stack.ENCODER, i, Module.FFN, Point.INPUT);
            h = Residual.wrap(g, ffn, h, x -> FeedForward.build(g, ffn, x));
        }
        return finalNorm(g, Stack.ENCODER, h);
    }

    /** The decoder's output and, for a step with a cache, the next cache per layer. */
    public record DecoderResult(SDVariable hidden, List<SDVariable> presentKeys, List<SDVariable> presentValues) {
    }

    /**
     * @param selfMask  additive causal + padding mask [B, 1, T, S_self]
     * @param encoder   encoder output [N_enc, d] (with {@code cross} null)
     * @param crossMask additive encoder padding mask [B, 1, 1, S]
     * @param past      per layer the cached self-attention keys/values, or null (teacher forcing)
     * @param cross     per layer the cross-attention keys/values computed once, or null (project {@code encoder})
     */
    public static DecoderResult decoder(ModelGraph g, SDVariable h, SDVariable selfMask, SDVariable encoder, SDVariable crossMask,
                                        List<Attention.WithPast> past, List<Attention.Given> cross) {
        ModelDescription d = g.description();
        List<SDVariable> pk = new ArrayList<>(), pv = new ArrayList<>();
        for (int i = 0; i < d.decoderLayers(); i++) {
            Site self = new Site(Stack.DECODER, i, Module.SELF_ATTN, Point.INPUT);
            Attention.KeyValues selfKv = past == null ? new Attention.FromContext() : past.get(i);
            Attention.Result[] r = new Attention.Result[1];
            h = Residual.wrap(g, self, h, x -> (r[0] = Attention.build(g, self, x, x, selfMask, selfKv)).output());
            if (past != null) {
                pk.add(r[0].presentKeys());
                pv.add(r[0].presentValues());
            }
            Site crossAttn = new Site(Stack.DECODER, i, Module.CROSS_ATTN, Point.INPUT);
            Attention.KeyValues crossKv = cross == null ? new Attention.FromContext() : cross.get(i);
            h = Residual.wrap(g, crossAttn, h, x -> Attention.build(g, crossAttn, x, encoder, crossMask, crossKv).output());
            Site ffn = new Site(Stack.DECODER, i, Module.FFN, Point.INPUT);
            h = Residual.wrap(g, ffn, h, x -> FeedForward.build(g, ffn, x));
        }
        return new DecoderResult(finalNorm(g, Stack.DECODER, h), pk, pv);
    }

    private static SDVariable finalNorm(ModelGraph g, Stack s, SDVariable h) {
        return g.description().finalLayerNorm() ? g.layerNorm(s.name().toLowerCase() + ".final_ln", h, g.names().finalNorm(s)) : h;
    }
}
