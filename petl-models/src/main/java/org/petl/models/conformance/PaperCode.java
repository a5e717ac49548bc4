package org.petl.models.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import org.petl.core.arch.ModelDescription;
import org.petl.core.method.Bottleneck;
import org.petl.core.method.Bottleneck.LayerNormPlacement;
import org.petl.core.method.Composition;
import org.petl.core.method.Init;
import org.petl.core.method.Insertion;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Modification;
import org.petl.core.method.Nonlinearity;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Placement;
import org.petl.core.method.PrefixAttention;
import org.petl.core.method.PrefixSource;
import org.petl.core.site.Site.Point;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates the option vocabulary of the paper's code (jxhe/unify-parameter-efficient-tuning, TuneArguments:
 * attn_mode, attn_option, attn_composition, ffn_mode, ffn_option, ffn_adapter_scalar,
 * ffn_adapter_layernorm_option, attn_bn, ffn_bn, mid_dim, lora_alpha) into a petl method, and the repository's
 * tensor names into the method's parameter names. No configuration needs code of its own: each is a
 * composition of the four design dimensions with the paper-code options (query LayerNorm, scale inside a
 * post-LayerNorm) that the presets leave off.
 */
public final class PaperCode {

    private PaperCode() {
    }

    /** Modification names: the attention part and the FFN part. */
    public static final String ATTN = "attn", FFN = "ffn";

    public static PetlMethod translate(JsonNode args) {
        return translate(args, null);
    }

    /**
     * @param model the model the options act on (its family decides the one place where the code differs between
     *              families: mBART's cross_attn_relu uses the module's scaled query, without LayerNorm); null = RoBERTa
     */
    public static PetlMethod translate(JsonNode args, ModelDescription model) {
        boolean mbart = model != null && model.family() == ModelDescription.Family.MBART;
        List<Modification> mods = new ArrayList<>();
        String attnMode = args.path("attn_mode").asText("none");
        String attnOption = args.path("attn_option").asText("none");
        String composition = args.path("attn_composition").asText("add");
        int attnBn = args.path("attn_bn").asInt();
        int mid = args.path("mid_dim").asInt();
        double alpha = args.path("lora_alpha").asDouble();
        switch (attnMode) {
            case "none" -> {
            }
            case "prefix", "prefix_nomlp" -> {
                PrefixSource source = attnMode.equals("prefix") ? new PrefixSource.Mlp(mid) : new PrefixSource.Direct();
                mods.add(prefix(attnOption, composition, attnBn, source, mbart));
            }
            case "adapter" -> {
                // attention adapters: LayerNorm "in", scale 1, whatever the ffn_adapter_* options say
                Bottleneck form = new Bottleneck(attnBn, Nonlinearity.RELU, LayerNormPlacement.BEFORE, true, Init.NORMAL, 1.0);
                switch (attnOption) {
                    case "sequential" -> mods.add(new Modification.Delta(ATTN, form, Placement.attention(Point.OUTPUT), Insertion.SEQUENTIAL, new Composition.Add()));
                    // the adapter reads the sub-layer input and is added to the heads before Wo
                    case "parallel" -> mods.add(new Modification.Delta(ATTN, form, Placement.attention(Point.HEADS), Insertion.PARALLEL, new Composition.Add()));
                    default -> throw new MethodSpecException("paper code: unknown attn_option '" + attnOption + "' for attn_mode adapter");
                }
            }
            case "lora" -> mods.add(new Modification.Delta(ATTN, Bottleneck.lora(attnBn), Placement.attention(Point.Q, Point.V),
                    Insertion.PROJECTION_PARALLEL, new Composition.Scaled(alpha / attnBn)));
            case "bitfit" -> mods.add(new Modification.BiasTuning("bitfit"));
            case "prompt_tuning" -> mods.add(new Modification.PromptTuning("prompt", attnBn));
            default -> throw new MethodSpecException("paper code: unknown attn_mode '" + attnMode + "'");
        }
        String ffnMode = args.path("ffn_mode").asText("none");
        int ffnBn = args.path("ffn_bn").asInt();
        switch (ffnMode) {
            case "none" -> {
            }
            case "adapter" -> {
                double scalar = Double.parseDouble(args.path("ffn_adapter_scalar").asText("1"));
                String ln = args.path("ffn_adapter_layernorm_option").asText("none");
                LayerNormPlacement placement = switch (ln) {
                    case "in" -> LayerNormPlacement.BEFORE;
                    case "out" -> LayerNormPlacement.AFTER;
                    case "none" -> LayerNormPlacement.NONE;
                    default -> throw new MethodSpecException("paper code: unknown ffn_adapter_layernorm_option '" + ln + "'");
                };
                // with "out" the code scales before its LayerNorm; otherwise h + s·u(x)
                boolean after = placement == LayerNormPlacement.AFTER;
                Bottleneck form = new Bottleneck(ffnBn, Nonlinearity.RELU, placement, true, Init.NORMAL, after ? scalar : 1.0);
                Composition comp = after ? new Composition.Add() : new Composition.Scaled(scalar);
                Insertion ins = switch (args.path("ffn_option").asText()) {
                    case "sequential" -> Insertion.SEQUENTIAL;
                    // the adapter reads the residual stream entering the FFN (= its input in post-LN models)
                    case "parallel" -> Insertion.RESIDUAL_PARALLEL;
                    case "pfeiffer" -> Insertion.POST_NORM;
                    default -> throw new MethodSpecException("paper code: unknown ffn_option '" + args.path("ffn_option").asText() + "'");
                };
                mods.add(new Modification.Delta(FFN, form, Placement.ffn(Point.OUTPUT), ins, comp));
            }
            case "lora" -> mods.add(new Modification.Delta(FFN, Bottleneck.lora(ffnBn), Placement.ffn(Point.HIDDEN_PRE, Point.OUTPUT),
                    Insertion.PROJECTION_PARALLEL, new Composition.Scaled(alpha / ffnBn)));
            default -> throw new MethodSpecException("paper code: unknown ffn_mode '" + ffnMode + "'");
        }
        return new PetlMethod("paper-code:" + attnMode + "/" + attnOption + "/" + composition + "+" + ffnMode + "/" + args.path("ffn_option").asText(), mods, false);
    }

    private static Modification prefix(String option, String composition, int l, PrefixSource source, boolean mbart) {
        Placement heads = Placement.attention(Point.HEADS);
        return switch (option + "/" + composition) {
            case "concat/add" -> new Modification.Delta(ATTN, new PrefixAttention(l, Nonlinearity.SOFTMAX, true, false, source), heads,
                    Insertion.MULTI_HEAD_PARALLEL, new Composition.Gated(Composition.Gated.Execution.CONCAT));
            // the code's gated form: prefix query from a separately layer-normed input
            case "cross_attn/gate_add" -> new Modification.Delta(ATTN, new PrefixAttention(l, Nonlinearity.SOFTMAX, true, true, source), heads,
                    Insertion.MULTI_HEAD_PARALLEL, new Composition.Gated(Composition.Gated.Execution.EXPLICIT));
            case "cross_attn_noln/add" -> new Modification.Delta(ATTN, new PrefixAttention(l, Nonlinearity.SOFTMAX, true, false, source), heads,
                    Insertion.MULTI_HEAD_PARALLEL, new Composition.Add());
            // BART: unscaled query from a layer-normed input; MBartAttention uses the ordinary scaled query
            case "cross_attn_relu/add" -> new Modification.Delta(ATTN, new PrefixAttention(l, Nonlinearity.RELU, mbart, !mbart, source), heads,
                    Insertion.MULTI_HEAD_PARALLEL, new Composition.Add());
            default -> throw new MethodSpecException("paper code: unsupported prefix attn_option/attn_composition '" + option + "/" + composition + "'");
        };
    }

    // ------------------------------------------------------------------ tensor names

    /** Where one of the repository's tensors goes: a petl graph parameter, or a base weight it replaces (BitFit). */
    public record Target(String name, boolean transpose, boolean base) {
    }

    private static final Pattern ROBERTA_LAYER = Pattern.compile("pretrained_model\\.roberta\\.encoder\\.layer\\.(\\d+)\\.(.+)");
    private static final Pattern GENERATOR = Pattern.compile("prompt_model\\.(wte|wte2|wte_enc|control_trans|control_trans2|control_trans_enc)(\\.(\\d))?\\.(weight|bias)");
    private static final Pattern DIRECT = Pattern.compile("prompt_model\\.(encoder_attn|decoder_self_attn|decoder_cross_attn)_(key|value)\\.(\\d+)\\.weight");

    /** Maps a tensor of the RoBERTa cases; null when the name has no place in the method (never used by the code). */
    public static Target robertaTarget(String name) {
        if (name.startsWith("pretrained_model.") && name.endsWith("bias") && !name.contains(".ef_")) {
            String base = name.substring("pretrained_model.".length());
            return new Target(base.startsWith("roberta.") ? base.substring(8) : base, false, true);
        }
        Matcher m = ROBERTA_LAYER.matcher(name);
        if (m.matches()) {
            String layer = "encoder.layer." + m.group(1) + ".";
            String rest = m.group(2);
            String[][] rules = {
                    {"attention.output.ef_attn_adapter.", ATTN + "." + layer + "self_attn.output."},
                    {"attention.self.ef_attn_adapter.", ATTN + "." + layer + "self_attn.heads."},
                    {"output.ef_ffn_adapter.", FFN + "." + layer + "ffn.output."},
                    {"ef_ffn_adapter.", FFN + "." + layer + "ffn.output."},
                    {"attention.self.query.", ATTN + "." + layer + "self_attn.q."},
                    {"attention.self.value.", ATTN + "." + layer + "self_attn.v."},
                    {"intermediate.dense.", FFN + "." + layer + "ffn.hidden_pre."},
                    {"output.dense.", FFN + "." + layer + "ffn.output."},
            };
            for (String[] r : rules) {
                if (rest.startsWith(r[0])) return module(r[1], rest.substring(r[0].length()));
            }
            return null;
        }
        return generatorOrDirect(name, "encoder", "decoder_self_attn", "self_attn");
    }

    private static final Pattern SEQ2SEQ_LAYER = Pattern.compile("pretrained_model\\.model\\.(encoder|decoder)\\.layers\\.(\\d+)\\.(.+)");

    /**
     * Maps a tensor of the BART/mBART cases (wrapper names of PETLEncDecModel); null when it has no place in the
     * method. {@code args} decides where an attention adapter sits (sequential: after Wo; parallel: at the heads).
     */
    public static Target seq2seqTarget(String name, JsonNode args) {
        if (name.equals("pretrained_model.model.encoder.ef_prefix_emb.weight")) return new Target("prompt.encoder.embedding", false, false);
        if (name.startsWith("pretrained_model.") && name.endsWith("bias") && !name.contains(".ef_")) {
            return new Target(name.substring("pretrained_model.".length()), false, true);
        }
        Matcher m = SEQ2SEQ_LAYER.matcher(name);
        if (m.matches()) {
            String layer = m.group(1) + ".layer." + m.group(2) + ".";
            String rest = m.group(3);
            String adapterPoint = args.path("attn_option").asText().equals("parallel") ? "heads." : "output.";
            String[][] rules = {
                    {"self_attn.ef_attn_adapter.", ATTN + "." + layer + "self_attn." + adapterPoint},
                    {"encoder_attn.ef_attn_adapter.", ATTN + "." + layer + "cross_attn." + adapterPoint},
                    {"self_attn.ef_transform_layer_norm.", ATTN + "." + layer + "self_attn.heads.query_norm."},
                    {"encoder_attn.ef_transform_layer_norm.", ATTN + "." + layer + "cross_attn.heads.query_norm."},
                    {"ef_ffn_adapter.", FFN + "." + layer + "ffn.output."},
                    {"self_attn.q_proj.", ATTN + "." + layer + "self_attn.q."},
                    {"self_attn.v_proj.", ATTN + "." + layer + "self_attn.v."},
                    {"encoder_attn.q_proj.", ATTN + "." + layer + "cross_attn.q."},
                    {"encoder_attn.v_proj.", ATTN + "." + layer + "cross_attn.v."},
                    {"fc1.", FFN + "." + layer + "ffn.hidden_pre."},
                    {"fc2.", FFN + "." + layer + "ffn.output."},
            };
            for (String[] r : rules) {
                if (rest.startsWith(r[0])) {
                    String local = rest.substring(r[0].length());
                    if (r[1].endsWith("query_norm.")) return new Target(r[1] + local, false, false);
                    return module(r[1], local);
                }
            }
            return null;
        }
        Matcher g = GENERATOR.matcher(name);
        if (g.matches()) {
            String gen = ATTN + ".generator." + switch (g.group(1)) {
                case "wte", "control_trans" -> "decoder.self_attn";
                case "wte2", "control_trans2" -> "decoder.cross_attn";
                default -> "encoder.self_attn";
            };
            if (g.group(1).startsWith("wte")) return new Target(gen + ".embedding", false, false);
            return new Target(gen + ".mlp." + g.group(3) + "." + g.group(4), g.group(4).equals("weight"), false);
        }
        Matcher d = DIRECT.matcher(name);
        if (d.matches()) {
            String where = switch (d.group(1)) {
                case "encoder_attn" -> "encoder.layer." + d.group(3) + ".self_attn";
                case "decoder_self_attn" -> "decoder.layer." + d.group(3) + ".self_attn";
                default -> "decoder.layer." + d.group(3) + ".cross_attn";
            };
            return new Target(ATTN + "." + where + ".heads." + d.group(2), false, false);
        }
        return null;
    }

    private static Target module(String scope, String local) {
        return switch (local) {
            case "down_proj.weight" -> new Target(scope + "down.weight", true, false);
            case "up_proj.weight" -> new Target(scope + "up.weight", true, false);
            case "down_proj.bias" -> new Target(scope + "down.bias", false, false);
            case "up_proj.bias" -> new Target(scope + "up.bias", false, false);
            case "adapter_layer_norm_before.weight" -> new Target(scope + "layer_norm.weight", false, false);
            case "adapter_layer_norm_before.bias" -> new Target(scope + "layer_norm.bias", false, false);
            case "ef_lora_A" -> new Target(scope + "down.weight", true, false);
            case "ef_lora_B" -> new Target(scope + "up.weight", true, false);
            default -> null;
        };
    }

    /** Prefix generators and tables; {@code table} is the repo's name for the used attention type. */
    private static Target generatorOrDirect(String name, String stack, String table, String module) {
        Matcher g = GENERATOR.matcher(name);
        String gen = ATTN + ".generator." + stack + "." + module;
        if (g.matches()) {
            boolean mine = g.group(1).equals("wte") || g.group(1).equals("control_trans");
            if (!mine) return null;
            if (g.group(1).equals("wte")) return new Target(gen + ".embedding", false, false);
            return new Target(gen + ".mlp." + g.group(3) + "." + g.group(4), g.group(4).equals("weight"), false);
        }
        Matcher d = DIRECT.matcher(name);
        if (d.matches() && d.group(1).equals(table)) {
            return new Target(ATTN + "." + stack + ".layer." + d.group(3) + "." + module + ".heads." + d.group(2), false, false);
        }
        return null;
    }
}
