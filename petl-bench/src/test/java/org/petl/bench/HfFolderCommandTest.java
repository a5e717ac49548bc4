package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code petl hf-folder}: the tiny reference BART as a real HF folder, read back as --weights / --arch read it. */
class HfFolderCommandTest {

    private static Path reference(String model) {
        return Path.of(System.getProperty("petl.shared", Path.of("..", "..", "shared").toString()), "golden", "petl-reference", model);
    }

    @Test
    void writesAFolderThatLoads(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("tiny-bart");
        CliCapture c = CliCapture.run("hf-folder", "--reference", reference("bart").toString(), "--out", out.toString());
        assertEquals(0, c.rc(), c.both());
        assertTrue(c.out().startsWith("wrote " + out + " (BartForConditionalGeneration, d_model 32, 2+2 layers, vocab 120)"), c.out());
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq(out.toString());
        assertEquals(2, m.description().decoderLayers());
        // LoRA r=4 on q, v of 2 encoder self-, 2 decoder self- and 2 cross-attentions of d = 32
        CliCapture p = CliCapture.run("params", "--arch", out.toString(), "--method", "lora:r=4", "--json");
        assertEquals(0, p.rc(), p.both());
        JsonNode j = new ObjectMapper().readTree(p.out());
        assertEquals(6L * 2 * 4 * (32 + 32), j.get("formula_params").asLong(), j.toString());
        assertEquals(m.description().baseParameters(), j.get("base_params").asLong());
    }

    /** XSum's HF layout, a few pairs taken from the tiny tokenizer's own text (a loading check, not a quality claim). */
    private static Path xsum(Path dir) throws java.io.IOException {
        java.nio.file.Files.createDirectories(dir);
        String[][] pairs = {{"the cat sat on the mat . the dog ran in the park .", "the cat sat ."},
                {"a model is trained on the data and then tested .", "a model is tested ."},
                {"the adapter is added after the attention of every block .", "the adapter is added ."},
                {"there is a house on the hill and the sun is shining on the water !", "a house on the hill ."}};
        for (String split : new String[]{"train", "validation"}) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < pairs.length; i++) {
                b.append("{\"document\": \"").append(pairs[i][0]).append("\", \"summary\": \"").append(pairs[i][1]).append("\", \"id\": \"").append(i).append("\"}\n");
            }
            java.nio.file.Files.writeString(dir.resolve(split + ".jsonl"), b.toString());
        }
        return dir;
    }

    @Test
    void theFolderTrainsThroughWeights(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("tiny-bart");
        assertEquals(0, CliCapture.run("hf-folder", "--reference", reference("bart").toString(), "--out", model.toString()).rc());
        Path runs = tmp.resolve("runs");
        CliCapture c = CliCapture.run("train", "--weights", model.toString(), "--task", "xsum", "--data", xsum(tmp.resolve("xsum")).toString(),
                "--method", "lora:r=2", "--epochs", "1", "--batch", "2", "--lr", "1e-2", "--max-source", "32", "--max-target", "12", "--out", runs.toString());
        assertEquals(0, c.rc(), c.both());
        try (var files = java.nio.file.Files.walk(runs)) {
            Path metrics = files.filter(p -> p.getFileName().toString().equals("metrics.json")).findFirst().orElseThrow(() -> new AssertionError(c.both()));
            JsonNode m = new ObjectMapper().readTree(metrics.toFile());
            assertTrue(m.toString().contains("tiny-bart"), m.toString().substring(0, Math.min(400, m.toString().length())));
        }
    }

    @Test
    void aFolderWithoutBaseWeightsIsOneLine(@TempDir Path tmp) {
        CliCapture c = CliCapture.run("hf-folder", "--reference", tmp.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, c.rc(), c.both());
        assertEquals(1, c.err().strip().lines().count(), c.both());
        assertTrue(c.err().contains("no base.safetensors"), c.both());
    }
}
