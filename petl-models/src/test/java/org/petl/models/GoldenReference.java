package org.petl.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.io.Safetensors;
import org.petl.core.tensor.HostTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test access to ../shared/golden/petl-reference (the paper's own code run on a tiny RoBERTa). */
public final class GoldenReference {

    private GoldenReference() {
    }

    public static Path root() {
        return Path.of(System.getProperty("petl.shared", "../../shared"), "golden", "petl-reference");
    }

    public static EncoderConfig tinyRobertaConfig() {
        return new EncoderConfig(EncoderConfig.Family.ROBERTA, 2, 32, 4, 64, 120, 64, 1, 1e-5, "gelu", 1);
    }

    /** Base weights with the {@code roberta.} prefix stripped (classifier.* kept). */
    public static Map<String, HostTensor> tinyRobertaWeights() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Safetensors.read(root().resolve("roberta/base.safetensors"))
                .forEach((k, v) -> out.put(k.startsWith("roberta.") ? k.substring(8) : k, v));
        return out;
    }

    public static JsonNode caseJson(String model, String id) {
        try {
            return new ObjectMapper().readTree(root().resolve(model).resolve(id).resolve("case.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[][] ints(JsonNode arr) {
        int[][] out = new int[arr.size()][];
        for (int i = 0; i < arr.size(); i++) {
            out[i] = new int[arr.get(i).size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = arr.get(i).get(j).asInt();
        }
        return out;
    }

    /** Flattened float32 values of a stored output. */
    public static float[] values(JsonNode output) {
        java.util.List<Float> acc = new java.util.ArrayList<>();
        flatten(output.get("values"), acc);
        float[] f = new float[acc.size()];
        for (int i = 0; i < f.length; i++) f[i] = acc.get(i);
        return f;
    }

    private static void flatten(JsonNode n, java.util.List<Float> acc) {
        if (n.isArray()) n.forEach(c -> flatten(c, acc));
        else acc.add((float) n.asDouble());
    }
}
