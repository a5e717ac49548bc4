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
        return org.petl.models.conformance.ConformanceRunner.ints(arr);
    }
}
