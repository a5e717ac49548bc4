package org.petl.core.method;

import org.petl.core.method.Bottleneck.LayerNormPlacement;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;

import java.util.ArrayList;
import java.util.List;

/**
 * The built-in methods of the unified view, each a preset of the four design dimensions (He et al., Table 1 and
 * §4). Defaults follow the paper's GLUE settings where it gives them.
 */
final class Presets {

    private Presets() {
    }

    static List<MethodProvider> all() {
        return List.of(
                preset("houlsby", "Houlsby et al. 2019: sequential adapters after attention and FFN", List.of("r=64", "act=relu", "dropout=0 (adapter dropout, after the nonlinearity)", "layers=all"),
                        a -> PetlMethod.of(spec("houlsby", a),
                                new Modification.Delta("houlsby_attn", adapter(a), Placement.attention(Point.OUTPUT).withLayers(a.layers()), Insertion.SEQUENTIAL, new Composition.Add()),
                                new Modification.Delta("houlsby_ffn", adapter(a), Placement.ffn(Point.OUTPUT).withLayers(a.layers()), Insertion.SEQUENTIAL, new Composition.Add()))),
                preset("pfeiffer", "Pfeiffer et al. 2021: one sequential adapter after the FFN, reading the layer's normed output", List.of("r=64", "act=relu", "dropout=0 (adapter dropout)", "layers=all"),
                        a -> PetlMethod.of(spec("pfeiffer", a),
                                new Modification.Delta("pfeiffer", adapter(a), Placement.ffn(Point.OUTPUT).withLayers(a.layers()), Insertion.POST_NORM, new Composition.Add()))),
                preset("prefix", "Li & Liang 2021: prefix tuning; form=concat (original) or gated (the paper's Eq. 7, same function)", List.of("l=16", "mid=800 (0: no MLP)", "init=random (tokens: start from real tokens' keys/values; mid=0)", "form=concat", "dropout=0 (prefix dropout, on the prefix keys/values)", "layers=all",
                                "places=all (every attention; self: self-attentions only; decoder: the decoder's self-attention, PEFT's place on BART)",
                                "tables=own (one table per site; peft: PEFT's one prompt_embeddings table, shared where PEFT shares; mid=0)",
                                "positions=plain (shifted: real tokens numbered from l, as transformers with past_key_values)"),
                        Presets::prefixMethod),
                preset("prompt", "Lester et al. 2021: prompt tuning, l embeddings prepended to the input", List.of("l=16"),
                        a -> PetlMethod.of(spec("prompt", a), new Modification.PromptTuning("prompt", a.positiveInt("l", 16)))),
                preset("lora", "Hu et al. 2021: low-rank update of projections, h + s·x·A·B", List.of("r=8", "s=1 (or alpha=, s=alpha/r)", "targets=q,v (q,k,v,o,ffn)", "dropout=0 (lora_dropout, on the input)", "layers=all"),
                        a -> PetlMethod.of(spec("lora", a), lora(a))),
                preset("bitfit", "Ben Zaken et al. 2021: train the biases only", List.of(),
                        a -> PetlMethod.of(spec("bitfit", a), new Modification.BiasTuning("bitfit"))),
                preset("sa", "He et al. 2022 (Table 3): one sequential adapter at the FFN or the attention output (reads h)", List.of("r=64", "act=relu", "site=ffn (or attn)", "dropout=0 (adapter dropout)", "layers=all"),
                        a -> PetlMethod.of(spec("sa", a), new Modification.Delta("sa", adapter(a), sitePlacement("sa", a).withLayers(a.layers()), Insertion.SEQUENTIAL, new Composition.Add()))),
                preset("pa", "He et al. 2022: parallel adapter (reads the sub-layer input)", List.of("r=64", "site=ffn (or attn)", "dropout=0 (adapter dropout)", "layers=all"),
                        a -> PetlMethod.of(spec("pa", a), parallel("pa", a, new Composition.Add()))),
                preset("spa", "He et al. 2022: scaled parallel adapter, h + s·Δh", List.of("r=64", "s=4 (a number or 'learned')", "site=ffn (or attn)", "dropout=0 (adapter dropout)", "layers=all"),
                        a -> PetlMethod.of(spec("spa", a), parallel("spa", a, scale(a, 4.0)))),
                preset("mhpa", "He et al. 2022: multi-head parallel adapter, per head ReLU(x·Wq·P_kᵀ)·P_v added to the head", List.of("l=16", "layers=all"),
                        a -> PetlMethod.of(spec("mhpa", a), new Modification.Delta("mhpa",
                                new PrefixAttention(a.positiveInt("l", 16), Nonlinearity.RELU, false, false, new PrefixSource.Direct()),
                                Placement.attention(Point.HEADS).withLayers(a.layers()), Insertion.MULTI_HEAD_PARALLEL, new Composition.Add()))),
                preset("mam", "He et al. 2022: Mix-And-Match adapter = prefix tuning at attention + scaled parallel adapter at the FFN", List.of("l=30", "r=512", "s=4", "mid=800", "init=random", "form=concat", "dropout=0 (prefix and adapter dropout)", "layers=all"),
                        a -> {
                            Modification prefix = prefix("mam_prefix", a, 30);
                            Modification ffn = new Modification.Delta("mam_ffn", Bottleneck.adapter(a.positiveInt("r", 512)).withInit(Init.KAIMING_UNIFORM).withDropout(0, dropout(a)),
                                    Placement.ffn(Point.OUTPUT).withLayers(a.layers()), Insertion.PARALLEL, scale(a, 4.0));
                            return PetlMethod.of(spec("mam", a), prefix, ffn);
                        }),
                preset("full", "full fine-tuning: every parameter trains (the baseline, not a PETL method)", List.of(),
                        a -> new PetlMethod(spec("full", a), List.of(), true)),
                preset("head", "only the task head trains (linear probing)", List.of(),
                        a -> new PetlMethod(spec("head", a), List.of(), false)));
    }

    private static String spec(String name, MethodProvider.Args a) {
        if (a.raw().isEmpty()) return name;
        List<String> kv = new ArrayList<>();
        a.raw().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> kv.add(e.getKey() + "=" + e.getValue()));
        return name + ":" + String.join(",", kv);
    }

    private static Bottleneck adapter(MethodProvider.Args a) {
        return new Bottleneck(a.positiveInt("r", 64), Nonlinearity.parse(a.string("act", "relu")), LayerNormPlacement.NONE, true, Init.NORMAL, 1.0, 0, dropout(a));
    }

    /** The method-internal dropout probability {@code dropout=} (0: none). */
    private static double dropout(MethodProvider.Args a) {
        double p = a.number("dropout", 0);
        if (!(p >= 0 && p < 1)) throw new MethodSpecException(a.method() + ": dropout=" + p + " is not in [0, 1)");
        return p;
    }

    /**
     * The prefix preset: the prefix part at {@code places=}, with its own tables or PEFT's one table, and with
     * {@code positions=shifted} a {@link Modification.PositionShift} of the stacks whose self-attention it reaches.
     * {@code prefix:mid=0,tables=peft,positions=shifted} (encoders) and {@code ...,places=decoder} (BART/mBART)
     * compute exactly what PEFT's PREFIX_TUNING computes.
     */
    private static PetlMethod prefixMethod(MethodProvider.Args a) {
        String places = a.string("places", "all");
        Placement at = switch (places) {
            case "all" -> Placement.attention(Point.HEADS);
            case "self" -> new Placement(java.util.EnumSet.allOf(Stack.class), java.util.Set.of(Module.SELF_ATTN), java.util.Set.of(Point.HEADS), List.of());
            case "decoder" -> new Placement(java.util.Set.of(Stack.DECODER), java.util.Set.of(Module.SELF_ATTN), java.util.Set.of(Point.HEADS), List.of());
            default -> throw new MethodSpecException("prefix: places=" + places + " is not all, self or decoder");
        };
        boolean peft = switch (a.string("tables", "own")) {
            case "own" -> false;
            case "peft" -> true;
            default -> throw new MethodSpecException("prefix: tables=" + a.string("tables", "") + " is not own or peft");
        };
        boolean shifted = switch (a.string("positions", "plain")) {
            case "plain" -> false;
            case "shifted" -> true;
            default -> throw new MethodSpecException("prefix: positions=" + a.string("positions", "") + " is not plain or shifted");
        };
        Modification.Delta prefix = prefix("prefix", a, 16, at, peft);
        if (!shifted) return PetlMethod.of(spec("prefix", a), prefix);
        int l = ((PrefixAttention) prefix.form()).l();
        return PetlMethod.of(spec("prefix", a), prefix, new Modification.PositionShift("prefix_positions", l, at.stacks()));
    }

    private static Modification prefix(String name, MethodProvider.Args a, int defaultL) {
        return prefix(name, a, defaultL, Placement.attention(Point.HEADS), false);
    }

    private static Modification.Delta prefix(String name, MethodProvider.Args a, int defaultL, Placement at, boolean peftTable) {
        int l = a.positiveInt("l", defaultL);
        int mid = a.nonNegativeInt("mid", peftTable && !a.raw().containsKey("mid") ? 0 : 800);
        if (peftTable && mid > 0) throw new MethodSpecException(name + ": tables=peft holds the tables themselves (PEFT saves them so); give mid=0");
        boolean fromTokens = switch (a.string("init", "random")) {
            case "random" -> false;
            case "tokens" -> true;
            default -> throw new MethodSpecException(name + ": init=" + a.string("init", "") + " is not random or tokens");
        };
        if (fromTokens && mid > 0) throw new MethodSpecException(name + ": init=tokens needs mid=0 (the MLP starts from its own embedding)");
        if (peftTable && fromTokens) throw new MethodSpecException(name + ": tables=peft starts from random tables (init=random)");
        PrefixSource source = peftTable ? new PrefixSource.PeftTable() : mid == 0 ? new PrefixSource.Direct(fromTokens) : new PrefixSource.Mlp(mid);
        String form = a.string("form", "concat");
        Composition.Gated.Execution ex = switch (form) {
            case "concat" -> Composition.Gated.Execution.CONCAT;
            case "gated" -> Composition.Gated.Execution.EXPLICIT;
            default -> throw new MethodSpecException(name + ": form=" + form + " is not concat or gated");
        };
        return new Modification.Delta(name, new PrefixAttention(l, Nonlinearity.SOFTMAX, true, false, source, dropout(a)),
                at.withLayers(a.layers()), Insertion.MULTI_HEAD_PARALLEL, new Composition.Gated(ex));
    }

    private static Modification lora(MethodProvider.Args a) {
        int r = a.positiveInt("r", 8);
        double s = a.has("alpha") ? a.number("alpha", r) / r : a.number("s", 1.0);
        if (a.has("alpha") && a.raw().containsKey("s")) throw new MethodSpecException("lora: give s= or alpha=, not both");
        String targets = a.string("targets", "q,v");
        List<Point> attn = new ArrayList<>();
        boolean ffn = false;
        for (String t : targets.split(",")) {
            switch (t.trim()) {
                case "q" -> attn.add(Point.Q);
                case "k" -> attn.add(Point.K);
                case "v" -> attn.add(Point.V);
                case "o" -> attn.add(Point.OUTPUT);
                case "ffn" -> ffn = true;
                default -> throw new MethodSpecException("lora: unknown target '" + t + "' (q, k, v, o, ffn)");
            }
        }
        Placement at = ffn && attn.isEmpty() ? Placement.ffn(Point.HIDDEN_PRE, Point.OUTPUT) : Placement.attention(attn.toArray(Point[]::new));
        if (ffn && !attn.isEmpty()) throw new MethodSpecException("lora: combine attention and ffn targets with '+', e.g. lora:targets=q,v+lora:targets=ffn,name=lora_ffn");
        return new Modification.Delta(a.string("name", "lora"), Bottleneck.lora(r).withDropout(dropout(a), 0), at.withLayers(a.layers()), Insertion.PROJECTION_PARALLEL, new Composition.Scaled(s));
    }

    private static Placement sitePlacement(String name, MethodProvider.Args a) {
        String site = a.string("site", "ffn");
        return switch (site) {
            case "ffn" -> Placement.ffn(Point.OUTPUT);
            case "attn" -> Placement.attention(Point.OUTPUT);
            default -> throw new MethodSpecException(name + ": site=" + site + " is not ffn or attn");
        };
    }

    private static Modification parallel(String name, MethodProvider.Args a, Composition c) {
        Placement at = sitePlacement(name, a);
        return new Modification.Delta(name, Bottleneck.adapter(a.positiveInt("r", 64)).withInit(Init.KAIMING_UNIFORM).withDropout(0, dropout(a)), at.withLayers(a.layers()), Insertion.PARALLEL, c);
    }

    private static Composition scale(MethodProvider.Args a, double def) {
        String s = a.string("s", Double.toString(def));
        if (s.equals("learned")) return new Composition.LearnedScale(1.0);
        return new Composition.Scaled(a.number("s", def));
    }

    private static MethodProvider preset(String name, String summary, List<String> params, java.util.function.Function<MethodProvider.Args, PetlMethod> build) {
        return new MethodProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return summary;
            }

            @Override
            public List<String> parameters() {
                return params;
            }

            @Override
            public PetlMethod create(Args args) {
                PetlMethod m = build.apply(args);
                args.finish();
                return m;
            }
        };
    }
}
