package org.petl.models.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face model folder: {@code config.json} + {@code model.safetensors} or {@code pytorch_model.bin} (+ {@code tokenizer.json}).
 * BERT and RoBERTa names lose their {@code bert.}/{@code roberta.} prefix; anything outside the encoder
 * ({@code classifier.*}, {@code lm_head.*}, {@code cls.*}) goes to the head map.
 */
public final class HfFolderImporter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HfFolderImporter() {
    }

    /** Reads {@code dir/config.json} into an EncoderConfig. */
    public static EncoderConfig readConfig(Path dir) {
        Path file = dir.resolve("config.json");
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new WeightFileException(file + ": cannot read model config (" + OnnxGraph.oneLine(e) + ")");
        }
        String type = c.path("model_type").asText("");
        EncoderConfig.Family family = switch (type) {
            case "bert" -> EncoderConfig.Family.BERT;
            case "roberta", "xlm-roberta" -> EncoderConfig.Family.ROBERTA;
            default -> throw new WeightFileException(file + ": model_type '" + type + "' is not supported (bert, roberta)");
        };
        boolean roberta = family == EncoderConfig.Family.ROBERTA;
        String act = c.path("hidden_act").asText("gelu");
        if (!act.equals("gelu") && !act.equals("gelu_new")) {
            throw new WeightFileException(file + ": hidden_act '" + act + "' is not supported (gelu, gelu_new)");
        }
        try {
            return new EncoderConfig(family, required(c, "num_hidden_layers", file), required(c, "hidden_size", file),
                    required(c, "num_attention_heads", file), required(c, "intermediate_size", file), required(c, "vocab_size", file),
                    c.path("max_position_embeddings").asInt(512), c.path("type_vocab_size").asInt(roberta ? 1 : 2),
                    c.path("layer_norm_eps").asDouble(roberta ? 1e-5 : 1e-12), act, c.path("pad_token_id").asInt(roberta ? 1 : 0));
        } catch (IllegalArgumentException e) {
            throw new WeightFileException(file + ": " + e.getMessage());
        }
    }

    private static int required(JsonNode c, String key, Path file) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt()) throw new WeightFileException(file + ": missing integer '" + key + "'");
        return v.asInt();
    }

    /** Reads the folder's weights ({@code model.safetensors}, else {@code pytorch_model.bin}) and splits them into encoder and head tensors. */
    public static ImportedWeights readWeights(Path dir) {
        return split(readTensors(dir));
    }

    /** The weights file of a folder: {@code model.safetensors}, or else {@code pytorch_model.bin} (restricted unpickler). */
    public static Path weightsFile(Path dir) {
        Path st = dir.resolve("model.safetensors"), bin = dir.resolve("pytorch_model.bin");
        return !Files.isRegularFile(st) && Files.isRegularFile(bin) ? bin : st;
    }

    /** Every tensor of the folder's weights file under its name in the file. */
    public static Map<String, HostTensor> readTensors(Path dir) {
        Path file = weightsFile(dir);
        if (!Files.isRegularFile(file)) throw new WeightFileException(file + ": weights file not found (nor pytorch_model.bin)");
        return file.getFileName().toString().endsWith(".bin") ? TorchCheckpoint.read(file) : Safetensors.read(file);
    }

    /**
     * Refuses weights whose names contradict config.json's model_type: {@code roberta.*} tensors said to be BERT, or
     * {@code bert.*} tensors said to be RoBERTa (the two differ in position ids and padding, so a mislabelled model
     * would load and silently compute something else).
     */
    public static void checkFamily(Path dir, EncoderConfig config, Map<String, HostTensor> tensors) {
        String want = config.family() == EncoderConfig.Family.BERT ? "bert." : "roberta.";
        String other = config.family() == EncoderConfig.Family.BERT ? "roberta." : "bert.";
        long theirs = tensors.keySet().stream().filter(n -> n.startsWith(other)).count();
        long ours = tensors.keySet().stream().filter(n -> n.startsWith(want)).count();
        if (theirs > 0 && ours == 0) {
            throw new WeightFileException(dir.resolve("config.json") + ": model_type says " + config.family().name().toLowerCase(java.util.Locale.ROOT)
                    + ", but " + weightsFile(dir).getFileName() + " holds " + (other.equals("bert.") ? "BERT" : "RoBERTa") + " weights (" + theirs + " tensors named "
                    + other + "*); fix model_type");
        }
    }

    public static ImportedWeights split(Map<String, HostTensor> tensors) {
        Map<String, HostTensor> encoder = new LinkedHashMap<>(), head = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            for (String prefix : new String[]{"bert.", "roberta."}) {
                if (name.startsWith(prefix)) name = name.substring(prefix.length());
            }
            // position_ids is a buffer some exports save; it is not a weight
            if (name.equals("embeddings.position_ids")) continue;
            if (EncoderWeights.isEncoderName(name)) encoder.put(name, e.getValue());
            else head.put(e.getKey(), e.getValue());
        }
        return new ImportedWeights(encoder, head);
    }
}
