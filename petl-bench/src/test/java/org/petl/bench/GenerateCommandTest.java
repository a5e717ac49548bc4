package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.models.weights.HfFolderWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code petl generate} and {@code petl bench-generate} on the tiny reference BART written as a Hugging Face folder. */
class GenerateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void generatesOneOutputPerLineAndBenchmarksCachedAgainstUncached(@TempDir Path tmp) throws Exception {
        Path folder = tmp.resolve("tiny-bart");
        HfFolderWriter.writeTinyReference(ConformanceCommandTest.reference().resolve("bart"), folder);
        Path in = tmp.resolve("in.txt");
        Files.write(in, List.of("hello world", "", "a b c d"));
        CliCapture c = CliCapture.run("generate", "--weights", folder.toString(), "--input", in.toString(), "--num-beams", "3",
                "--max-length", "10", "--num-return-sequences", "2", "--jsonl");
        assertEquals(0, c.rc(), c.both());
        List<String> lines = c.out().lines().toList();
        assertEquals(2, lines.size(), c.out());
        for (String l : lines) {
            JsonNode j = JSON.readTree(l);
            assertEquals(2, j.get("outputs").size(), l);
            // the ids after the start token up to EOS (tiny BART: eos 2), at most max-length - 1 of them
            assertEquals(2, j.get("token_ids").size(), l);
            for (JsonNode ids : j.get("token_ids")) {
                assertTrue(ids.size() >= 1 && ids.size() <= 9, l);
                ids.forEach(id -> assertTrue(id.isInt() && id.asInt() != 2, l));
            }
            assertTrue(j.get("scores").get(0).asDouble() >= j.get("scores").get(1).asDouble(), l);
        }
        assertEquals("hello world", JSON.readTree(lines.get(0)).get("source").asText());

        CliCapture b = CliCapture.run("bench-generate", "--model", folder.toString(), "--num-beams", "2", "--max-length", "6");
        assertEquals(0, b.rc(), b.both());
        assertTrue(b.out().contains("\"identical_outputs\" : true"), b.out());

        CliCapture bad = CliCapture.run("generate", "--weights", folder.toString(), "--input", tmp.resolve("missing.txt").toString());
        assertEquals(1, bad.rc(), bad.both());
        assertEquals(1, bad.err().strip().lines().count(), bad.both());
        assertTrue(bad.err().contains("missing.txt"), bad.both());
        CliCapture beams = CliCapture.run("generate", "--weights", folder.toString(), "--input", in.toString(), "--num-beams", "2", "--num-return-sequences", "3");
        assertEquals(1, beams.rc(), beams.both());
        assertTrue(beams.err().contains("num_return_sequences"), beams.both());
    }
}
