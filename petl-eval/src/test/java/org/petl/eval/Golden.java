package org.petl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads the golden vectors from the shared folder (system property petl.shared, else ../../shared). */
public final class Golden {
    private Golden() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path dir() {
        String prop = System.getProperty("petl.shared");
        Path shared = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("..", "..", "shared");
        return shared.resolve("golden");
    }

    public static List<JsonNode> lines(String file) {
        Path p = dir().resolve(file);
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) if (!line.isEmpty()) out.add(JSON.readTree(line));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden file " + p.toAbsolutePath(), e);
        }
    }

    public static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.asText());
        return out;
    }
}
