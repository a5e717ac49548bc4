package org.petl.models.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.arch.ModelDescription;
import org.petl.core.io.WeightFileException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code config.json} of a Hugging Face {@code BartForConditionalGeneration} (facebook/bart-large layout) or
 * {@code MBartForConditionalGeneration} (facebook/mbart-large-cc25 layout), the fields an encoder-decoder needs.
 * What transformers derives from {@code model_type} is derived the same way: BART is post-LayerNorm without final
 * LayerNorms, mBART pre-LayerNorm with a final LayerNorm after each stack; both have {@code layernorm_embedding},
 * learned positions at offset 2 and input/output embeddings tied to {@code model.shared}.
 *
 * @param decoderStartTokenId first decoder token, or -1 when the config has none (mBART: the target language code)
 * @param forcedBosTokenId    token forced after the start token in generation, or -1
 */
public record HfSeq2SeqConfig(Family family, int dModel, int encoderLayers, int decoderLayers, int encoderHeads,
                              int decoderHeads, int encoderFfn, int decoderFfn, int vocab, int maxPositions,
                              boolean scaleEmbedding, String activation, int padTokenId, int bosTokenId, int eosTokenId,
                              int decoderStartTokenId, int forcedBosTokenId) {

    /** The two encoder-decoder families petl builds. */
    public enum Family {
        BART("bart", "BartForConditionalGeneration"), MBART("mbart", "MBartForConditionalGeneration");

        private final String modelType;
        private final String hfClass;

        Family(String modelType, String hfClass) {
            this.modelType = modelType;
            this.hfClass = hfClass;
        }

        public String modelType() {
            return modelType;
        }

        public String hfClass() {
            return hfClass;
        }

        /** mBART normalises before each sub-layer, BART after. */
        public boolean normalizeBefore() {
            return this == MBART;
        }

        /** mBART ends each stack with a LayerNorm ({@code model.encoder.layer_norm}, {@code model.decoder.layer_norm}). */
        public boolean finalLayerNorm() {
            return this == MBART;
        }
    }

    /** BART and mBART position tables have this many extra rows: position p reads row p + 2. */
    public static final int POSITION_OFFSET = 2;
    public static final double LAYER_NORM_EPS = 1e-5;
    public static final Set<String> ACTIVATIONS = Set.of("gelu", "gelu_new", "relu");

    private static final ObjectMapper JSON = new ObjectMapper();

    public HfSeq2SeqConfig {
        if (dModel <= 0 || encoderLayers <= 0 || decoderLayers <= 0 || encoderHeads <= 0 || decoderHeads <= 0 || encoderFfn <= 0
                || decoderFfn <= 0 || vocab <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("encoder-decoder config needs positive sizes: " + this);
        }
        if (dModel % encoderHeads != 0 || dModel % decoderHeads != 0) {
            throw new IllegalArgumentException("d_model " + dModel + " is not divisible by the heads (" + encoderHeads + ", " + decoderHeads + ")");
        }
        if (!ACTIVATIONS.contains(activation)) throw new IllegalArgumentException("activation_function '" + activation + "' is not supported " + ACTIVATIONS);
        for (int id : new int[]{padTokenId, bosTokenId, eosTokenId}) {
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("special token id " + id + " lies outside the vocabulary of " + vocab);
        }
    }

    public boolean normalizeBefore() {
        return family.normalizeBefore();
    }

    public boolean finalLayerNorm() {
        return family.finalLayerNorm();
    }

    /** Rows of each stack's learned position table. */
    public int positionRows() {
        return maxPositions + POSITION_OFFSET;
    }

    /** What kind of model a {@code model_type} names, as far as petl is concerned. */
    public enum Kind { ENCODER, ENCODER_DECODER }

    private static final Set<String> DECODER_ONLY = Set.of("gpt2", "gpt_neo", "gpt_neox", "gptj", "llama", "mistral", "mixtral",
            "opt", "bloom", "falcon", "gemma", "gemma2", "qwen2", "phi", "phi3", "mpt", "codegen", "ctrl", "openai-gpt",
            "transfo-xl", "xglm", "biogpt", "olmo", "starcoder2", "stablelm", "persimmon", "rwkv", "mamba");
    private static final Set<String> OTHER_SEQ2SEQ = Set.of("t5", "mt5", "umt5", "marian", "pegasus", "pegasus_x", "led",
            "blenderbot", "blenderbot-small", "m2m_100", "nllb-moe", "prophetnet", "xlm-prophetnet", "fsmt", "bigbird_pegasus",
            "plbart", "longt5", "switch_transformers", "mvp");

    /** Classifies {@code dir/config.json}'s model_type; decoder-only and unknown types are one line naming the file. */
    public static Kind kind(Path dir) {
        Path file = dir.resolve("config.json");
        String type = readJson(file).path("model_type").asText("");
        return switch (type) {
            case "bert", "roberta", "xlm-roberta" -> Kind.ENCODER;
            case "bart", "mbart" -> Kind.ENCODER_DECODER;
            default -> throw unsupported(file, type);
        };
    }

    private static WeightFileException unsupported(Path file, String type) {
        if (type.isEmpty()) return new WeightFileException(file + ": no model_type (petl reads bert, roberta, xlm-roberta, bart, mbart)");
        if (DECODER_ONLY.contains(type)) {
            return new WeightFileException(file + ": model_type '" + type + "' is a decoder-only model; petl needs an encoder (bert, roberta) or an encoder-decoder (bart, mbart)");
        }
        if (OTHER_SEQ2SEQ.contains(type)) {
            return new WeightFileException(file + ": model_type '" + type + "' is an encoder-decoder petl does not build (bart, mbart)");
        }
        return new WeightFileException(file + ": model_type '" + type + "' is not supported (bert, roberta, xlm-roberta, bart, mbart)");
    }

    static JsonNode readJson(Path file) {
        try {
            JsonNode c = JSON.readTree(file.toFile());
            if (c == null || !c.isObject()) throw new WeightFileException(file + ": model config is not a JSON object");
            return c;
        } catch (IOException e) {
            throw new WeightFileException(file + ": cannot read model config (" + OnnxGraph.oneLine(e) + ")");
        }
    }

    /** Reads {@code dir/config.json}; every problem is one line naming the file and the key. */
    public static HfSeq2SeqConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        return parse(readJson(file), file.toString());
    }

    /** Parses a config.json tree; {@code where} names it in errors. */
    public static HfSeq2SeqConfig parse(JsonNode c, String where) {
        String type = c.path("model_type").asText("");
        Family family = switch (type) {
            case "bart" -> Family.BART;
            case "mbart" -> Family.MBART;
            default -> {
                Path p = Path.of(where);
                throw type.equals("bert") || type.equals("roberta") || type.equals("xlm-roberta")
                        ? new WeightFileException(where + ": model_type '" + type + "' is an encoder, not an encoder-decoder (bart, mbart)")
                        : unsupported(p, type);
            }
        };
        // transformers ignores these legacy keys and derives the layout from the class; a contradiction means the
        // folder is not what its model_type says, so it is refused rather than silently built differently
        legacyFlag(c, "normalize_before", family.normalizeBefore(), family, where);
        legacyFlag(c, "add_final_layer_norm", family.finalLayerNorm(), family, where);
        if (c.has("normalize_embedding") && !c.get("normalize_embedding").asBoolean(true)) {
            throw new WeightFileException(where + ": normalize_embedding false is not supported (" + family.hfClass() + " always has layernorm_embedding)");
        }
        if (!c.path("tie_word_embeddings").asBoolean(true)) {
            throw new WeightFileException(where + ": tie_word_embeddings false is not supported (the LM head is model.shared)");
        }
        String act = c.path("activation_function").asText("gelu").toLowerCase(Locale.ROOT);
        int d = required(c, "d_model", where);
        try {
            return new HfSeq2SeqConfig(family, d, required(c, "encoder_layers", where), required(c, "decoder_layers", where),
                    required(c, "encoder_attention_heads", where), required(c, "decoder_attention_heads", where),
                    required(c, "encoder_ffn_dim", where), required(c, "decoder_ffn_dim", where), required(c, "vocab_size", where),
                    c.path("max_position_embeddings").asInt(1024), c.path("scale_embedding").asBoolean(false), act,
                    optional(c, "pad_token_id", 1), optional(c, "bos_token_id", 0), optional(c, "eos_token_id", 2),
                    optional(c, "decoder_start_token_id", family == Family.BART ? 2 : -1), optional(c, "forced_bos_token_id", -1));
        } catch (IllegalArgumentException e) {
            throw new WeightFileException(where + ": " + e.getMessage());
        }
    }

    private static void legacyFlag(JsonNode c, String key, boolean expected, Family family, String where) {
        JsonNode v = c.get(key);
        if (v != null && v.isBoolean() && v.asBoolean() != expected) {
            throw new WeightFileException(where + ": " + key + " " + v.asBoolean() + " contradicts model_type '" + family.modelType() + "' ("
                    + family.hfClass() + " is " + (family.normalizeBefore() ? "pre" : "post") + "-LayerNorm"
                    + (family.finalLayerNorm() ? " with" : " without") + " final LayerNorms)");
        }
    }

    private static int required(JsonNode c, String key, String where) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt()) throw new WeightFileException(where + ": missing integer '" + key + "'");
        return v.asInt();
    }

    private static int optional(JsonNode c, String key, int fallback) {
        JsonNode v = c.get(key);
        return v == null || v.isNull() || !v.canConvertToInt() ? fallback : v.asInt();
    }

    /**
     * The model description petl builds the graph and counts parameters from. petl's description has one head
     * count and one FFN width for both stacks; a config whose stacks differ is one line.
     */
    public ModelDescription toDescription(String name) {
        if (encoderHeads != decoderHeads || encoderFfn != decoderFfn) {
            throw new WeightFileException(name + ": encoder and decoder differ in heads (" + encoderHeads + ", " + decoderHeads + ") or ffn ("
                    + encoderFfn + ", " + decoderFfn + "); petl builds stacks of one shape");
        }
        ModelDescription.Family f = switch (family) {
            case BART -> ModelDescription.Family.BART;
            case MBART -> ModelDescription.Family.MBART;
        };
        return new ModelDescription(name, f, encoderLayers, decoderLayers, dModel, encoderHeads, encoderFfn, vocab, maxPositions, 0,
                normalizeBefore() ? ModelDescription.Norm.PRE : ModelDescription.Norm.POST, ModelDescription.PositionScheme.OFFSET_2,
                true, scaleEmbedding, finalLayerNorm(), activation, LAYER_NORM_EPS, true, true, false, padTokenId);
    }

    /** The config.json transformers would write for this architecture (what {@link HfFolderWriter} saves). */
    public ObjectNode toJson() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(family.hfClass());
        c.put("model_type", family.modelType());
        c.put("d_model", dModel).put("encoder_layers", encoderLayers).put("decoder_layers", decoderLayers);
        c.put("encoder_attention_heads", encoderHeads).put("decoder_attention_heads", decoderHeads);
        c.put("encoder_ffn_dim", encoderFfn).put("decoder_ffn_dim", decoderFfn);
        c.put("vocab_size", vocab).put("max_position_embeddings", maxPositions);
        c.put("scale_embedding", scaleEmbedding).put("activation_function", activation);
        c.put("normalize_before", normalizeBefore()).put("add_final_layer_norm", finalLayerNorm());
        c.put("pad_token_id", padTokenId).put("bos_token_id", bosTokenId).put("eos_token_id", eosTokenId);
        if (decoderStartTokenId >= 0) c.put("decoder_start_token_id", decoderStartTokenId);
        if (forcedBosTokenId >= 0) c.put("forced_bos_token_id", forcedBosTokenId);
        c.put("tie_word_embeddings", true);
        return c;
    }
}
