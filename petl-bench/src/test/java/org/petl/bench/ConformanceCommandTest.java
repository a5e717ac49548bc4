package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code petl conformance} on the shared paper-code reference cases. */
class ConformanceCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path reference() {
        return Path.of(System.getProperty("petl.shared", Path.of("..", "..", "shared").toString()), "golden", "petl-reference");
    }

    @Test
    void replaysTheReferenceCases() throws Exception {
        // every generation setting is replayed once by SameDiffGenerateTest; here those of the two base cases
        CliCapture c = CliCapture.run("conformance", "--dir", reference().toString(), "--json", "--generate", "m?bart/base/generate/.*");
        assertEquals(0, c.rc(), c.both());
        JsonNode j = JSON.readTree(c.out());
        // 43 forward cases + 99 generation settings (11 generate.json files), 16 of them in the two base files
        assertEquals(142, j.get("cases").asInt(), c.out());
        assertEquals(43 + 16, j.get("passed").size(), c.out());
        assertEquals(0, j.get("failed").size(), c.out());
        assertEquals(99 - 16, j.get("skipped").size(), c.out());
        j.get("skipped").forEach(s -> assertTrue(s.get("id").asText().matches("m?bart/[^/]+/generate/[^/]+"), s.toString()));
        assertEquals(16, java.util.stream.StreamSupport.stream(j.get("passed").spliterator(), false)
                .filter(p -> p.get("id").asText().matches("m?bart/base/generate/.+")).count(), c.out());
        java.util.Set<String> models = new java.util.TreeSet<>();
        j.get("passed").forEach(p -> {
            models.add(p.get("id").asText().split("/")[0]);
            assertTrue(p.get("max_abs_diff").asDouble() <= j.get("tolerance").asDouble(), p.toString());
        });
        assertEquals(java.util.Set.of("bart", "mbart", "roberta"), models);
    }

    @Test
    void textOutputHasOneLinePerCase(@TempDir Path tmp) throws Exception {
        // one roberta case and the base, copied: the text form without replaying all 29
        Path src = reference().resolve("roberta");
        Path dst = Files.createDirectories(tmp.resolve("roberta"));
        Files.copy(src.resolve("base.safetensors"), dst.resolve("base.safetensors"));
        Path caseDir = Files.createDirectories(dst.resolve("bitfit"));
        try (var files = Files.list(src.resolve("bitfit"))) {
            for (Path f : files.toList()) Files.copy(f, caseDir.resolve(f.getFileName()));
        }
        CliCapture c = CliCapture.run("conformance", "--dir", tmp.toString());
        assertEquals(0, c.rc(), c.both());
        assertTrue(c.out().lines().anyMatch(l -> l.matches("PASS roberta/bitfit \\S+ .*")), c.out());

        // a stored output that no longer matches: FAIL and exit 2
        Path json = caseDir.resolve("case.json");
        JsonNode root = JSON.readTree(json.toFile());
        com.fasterxml.jackson.databind.node.ArrayNode row = (com.fasterxml.jackson.databind.node.ArrayNode)
                root.at("/outputs/classification_logits/values").get(0);
        row.set(0, JSON.getNodeFactory().numberNode(row.get(0).asDouble() + 1.0));
        JSON.writeValue(json.toFile(), root);
        CliCapture bad = CliCapture.run("conformance", "--dir", tmp.toString(), "--json");
        assertEquals(ConformanceCommand.FAILED, bad.rc(), bad.both());
        JsonNode j = JSON.readTree(bad.out());
        assertEquals("roberta/bitfit", j.get("failed").get(0).get("id").asText());
        assertTrue(j.get("failed").get(0).get("max_abs_diff").asDouble() > 0.5, bad.out());
    }

    @Test
    void missingDirIsOneLineError(@TempDir Path tmp) {
        CliCapture c = CliCapture.run("conformance", "--dir", tmp.resolve("nope").toString());
        assertEquals(1, c.rc(), c.both());
        assertEquals(1, c.err().strip().lines().count(), c.both());
        assertTrue(c.err().contains("no such folder"), c.both());
        CliCapture empty = CliCapture.run("conformance", "--dir", tmp.toString());
        assertEquals(1, empty.rc(), empty.both());
        assertTrue(empty.err().contains("no case folders"), empty.both());
    }
}
