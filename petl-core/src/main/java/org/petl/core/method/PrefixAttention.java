package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.petl.core.site.Site;

/**
 * Attention over l learned prefix slots, per head: Δh_i = act(q̃_i P_k^(i)ᵀ) P_v^(i), with q̃ from the module's
 * own query projection. With softmax and a gated composition this is prefix tuning (the paper's Eq. 7); with ReLU
 * and an additive composition it is the multi-head parallel adapter (P_k, P_v as per-head down/up projections).
 *
 * @param l          number of prefix slots
 * @param act        SOFTMAX (prefix) or RELU (MHPA); any {@link Nonlinearity}
 * @param scaled     multiply the query by 1/sqrt(head size), as the main attention does
 * @param normQuery  compute the query from a separately layer-normed input (the paper code's cross_attn options)
 * @param source     direct prefix tables or the MLP reparameterisation
 * @param dropout    dropout on the prefix keys and values (the paper code's prefix_dropout)
 */
public record PrefixAttention(int l, Nonlinearity act, boolean scaled, boolean normQuery, PrefixSource source, double dropout)
        implements FunctionalForm {

    public PrefixAttention {
        if (l <= 0) throw new MethodSpecException("prefix length l must be positive, got " + l);
        Bottleneck.checkDropout("prefix dropout", dropout);
    }

    public PrefixAttention(int l, Nonlinearity act, boolean scaled, boolean normQuery, PrefixSource source) {
        this(l, act, scaled, normQuery, source, 0);
    }

    /** The prefix keys and values as the attention uses them: {@link #prefixes} with the prefix dropout. */
    public SDVariable[] droppedPrefixes(BuildContext ctx) {
        SDVariable[] kv = prefixes(ctx);
        return new SDVariable[]{ctx.dropout("key_dropout", kv[0], dropout), ctx.dropout("value_dropout", kv[1], dropout)};
    }

    @Override
    public Delta build(BuildContext ctx, SDVariable x, int in, int out) {
        SameDiff sd = ctx.sd();
        int d = ctx.graph().hidden(), heads = ctx.graph().heads(), hs = d / heads;
        Site module = ctx.site();
        SDVariable[] kv = droppedPrefixes(ctx);
        if (normQuery) x = Bottleneck.norm(ctx, x, d, "query_norm");
        // the module's own query as the graph computes it (a LoRA on q included); only the query LayerNorm option
        // (the paper code's cross-attention variants) recomputes it from LN(x)
        SDVariable q = normQuery
                ? org.petl.core.site.SplitGradientMmul.of(sd, x, ctx.graph().attentionParameter(module, "q")).add(ctx.graph().attentionParameter(module, "q_bias"))
                : ctx.graph().site(module.at(Site.Point.Q)).orElseThrow();
        if (scaled) q = q.mul(1.0 / Math.sqrt(hs));
        SDVariable qh = sd.permute(sd.reshape(q, -1, heads, hs), 1, 0, 2);             // [H, N, hs]
        SDVariable pk = sd.permute(sd.reshape(kv[0], l, heads, hs), 1, 2, 0);          // [H, hs, l]
        SDVariable pv = sd.permute(sd.reshape(kv[1], l, heads, hs), 1, 0, 2);          // [H, l, hs]
        SDVariable logits = sd.mmul(qh, pk);                                           // [H, N, l]
        SDVariable gate = act == Nonlinearity.SOFTMAX ? sd.permute(org.petl.core.site.Ops.logSumExp(sd, logits, 2), 1, 0) : null; // [N, H]
        SDVariable a = act == Nonlinearity.SOFTMAX ? sd.nn.softmax(logits, 2) : act.apply(sd, logits);
        SDVariable o = sd.mmul(a, pv);                                                 // [H, N, hs]
        SDVariable delta = sd.reshape(sd.permute(o, 1, 0, 2), -1, d);
        return new Delta(delta, gate);
    }

    @Override
    public boolean perHead() {
        return true;
    }

    @Override
    public void validate(org.petl.core.site.SiteGraph g, java.util.List<Site> sites, String where) {
        if (l >= g.maxPositions()) throw new MethodSpecException(where + ": l=" + l + " is not below the model's " + g.maxPositions() + " positions");
        for (Site s : sites) {
            if (!s.isAttention() || s.point() != Site.Point.HEADS) throw new MethodSpecException(where + ": prefix attention acts on attention heads, not on " + s);
        }
        if (source instanceof PrefixSource.PeftTable) {
            Site.Stack stack = PrefixSource.PeftTable.stack(g);
            java.util.List<Site> peft = new java.util.ArrayList<>();
            for (int i = 0; i < g.layers(stack); i++) peft.add(new Site(stack, i, Site.Module.SELF_ATTN, Site.Point.HEADS));
            if (!new java.util.HashSet<>(sites).equals(new java.util.HashSet<>(peft))) {
                throw new MethodSpecException(where + ": tables=peft is PEFT's one prompt_embeddings table, which reaches every " + stack.name().toLowerCase()
                        + " self-attention and nothing else" + (stack == Site.Stack.DECODER ? " (use places=decoder, no layers=)" : " (no layers=)"));
            }
            int layers = PrefixSource.PeftTable.layers(g);
            if (stack == Site.Stack.DECODER && g.layers(stack) > layers) {
                throw new MethodSpecException(where + ": PEFT splits its table into num_layers=" + layers + " past key/values (the encoder's layers), fewer than the decoder's "
                        + g.layers(stack) + " layers");
            }
        }
    }

    @Override
    public java.util.Set<Site> reads(Site site) {
        return normQuery ? java.util.Set.of() : java.util.Set.of(site.at(Site.Point.Q));
    }

    /** The prefix keys and values [l, d] for the context's site, from the tables or the generator. */
    public SDVariable[] prefixes(BuildContext ctx) {
        int d = ctx.graph().hidden();
        Site s = ctx.site();
        String base = ctx.scope();
        if (source instanceof PrefixSource.PeftTable) {
            // one stored table for the whole model; the sites read their pair of it, shared where PEFT shares
            String table = peftTableName(base.substring(0, base.indexOf('.')));
            long width = 2L * PrefixSource.PeftTable.layers(ctx.graph()) * d;
            SDVariable all = ctx.shared(table, () -> ctx.param(table, table, false, true, Init.NORMAL, l, width));
            long p = PrefixSource.PeftTable.pair(ctx.graph(), s);
            return new SDVariable[]{all.get(SDIndex.all(), SDIndex.interval(2 * p * d, (2 * p + 1) * d)),
                    all.get(SDIndex.all(), SDIndex.interval((2 * p + 1) * d, (2 * p + 2) * d))};
        }
        if (source instanceof PrefixSource.Mlp mlp && !ctx.isPreset(base + ".key")) {
            int layers = ctx.graph().layers(s.stack());
            String genName = ctx.scope().substring(0, ctx.scope().indexOf('.')) + ".generator." + s.stack().name().toLowerCase()
                    + "." + s.module().name().toLowerCase();
            SDVariable all = ctx.shared(genName, () -> {
                SameDiff sd = ctx.sd();
                SDVariable emb = ctx.param(genName + ".embedding", genName + ".embedding", false, false, Init.NORMAL, l, d);
                SDVariable w1 = ctx.param(genName + ".mlp.0.weight", genName + ".mlp.0.weight", true, false, Init.KAIMING_UNIFORM, d, mlp.mid());
                SDVariable b1 = ctx.param(genName + ".mlp.0.bias", genName + ".mlp.0.bias", false, false, Init.ZEROS, mlp.mid());
                SDVariable w2 = ctx.param(genName + ".mlp.2.weight", genName + ".mlp.2.weight", true, false, Init.KAIMING_UNIFORM, mlp.mid(), 2L * layers * d);
                SDVariable b2 = ctx.param(genName + ".mlp.2.bias", genName + ".mlp.2.bias", false, false, Init.ZEROS, 2L * layers * d);
                return sd.math.tanh(emb.mmul(w1).add(b1)).mmul(w2).add(b2);             // [l, 2·layers·d]
            });
            int i = s.layer();
            SDVariable key = all.get(SDIndex.all(), SDIndex.interval((long) 2 * i * d, (long) (2 * i + 1) * d));
            SDVariable value = all.get(SDIndex.all(), SDIndex.interval((long) (2 * i + 1) * d, (long) (2 * i + 2) * d));
            return new SDVariable[]{ctx.derived(base + ".key", key, l, d), ctx.derived(base + ".value", value, l, d)};
        }
        if (source instanceof PrefixSource.Direct direct && direct.fromTokens() && !ctx.isPreset(base + ".key")) {
            throw new MethodSpecException(base + ": init=tokens needs the keys and values of real tokens; compute them with "
                    + "PrefixActivations.presets and pass them to Rewriter.apply");
        }
        return new SDVariable[]{ctx.param("key", Init.NORMAL, l, d), ctx.param("value", act == Nonlinearity.SOFTMAX ? Init.NORMAL : Init.ZEROS, l, d)};
    }

    /** The graph (and saved) name of a {@link PrefixSource.PeftTable} table of the part {@code part}. */
    public static String peftTableName(String part) {
        return part + ".prompt_embeddings";
    }

    @Override
    public long formulaParameters(int in, int out) {
        return 2L * l * out;
    }

    @Override
    public long trainableParameters(int in, int out) {
        // per site: the tables (Direct) or nothing (the generator or PEFT's table is shared, counted by the accounting)
        long n = source instanceof PrefixSource.Direct ? 2L * l * out : 0;
        if (normQuery) n += 2L * in;
        return n;
    }

    /** Parameters of one MLP generator for a stack of {@code layers} layers. */
    public long generatorParameters(int d, int layers) {
        if (!(source instanceof PrefixSource.Mlp m)) return 0;
        return (long) l * d + (long) d * m.mid() + m.mid() + (long) m.mid() * 2 * layers * d + 2L * layers * d;
    }

    @Override
    public String describe() {
        return act.name().toLowerCase() + "(" + (normQuery ? "LN(x)" : "x") + "·Wq" + (scaled ? "/√dh" : "") + "·P_kᵀ)·P_v, l=" + l
                + (source instanceof PrefixSource.Mlp m ? ", MLP reparameterisation mid=" + m.mid() : "")
                + (source instanceof PrefixSource.Direct direct && direct.fromTokens() ? ", started from real tokens' keys/values" : "")
                + (source instanceof PrefixSource.PeftTable ? ", PEFT's one prompt_embeddings table" : "")
                + (dropout > 0 ? ", prefix dropout " + dropout : "");
    }
}
