package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;

import java.nio.file.Path;
import org.petl.core.io.Safetensors;
import java.util.List;

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
            runs = metrics.getParent();
            // one hash per split of its pairs, and one per file it was read from
            JsonNode data = m.path("data");
            assertTrue(data.has("train") && data.has("train/file"), data.toString());
            data.fieldNames().forEachRemaining(k -> {
                if (!k.contains("/")) assertTrue(data.has(k + "/file"), k + ": " + data);
            });
            assertNotEquals(data.path("train").asText(), data.path("train/file").asText(), "the pairs' hash is not the file's");
        }

        // the run's adapter is a PEFT SEQ_2_SEQ_LM folder: read by PEFT's rules alone (no petl_config.json), predict
        // generates the same tokens as the petl-read adapter does
        Path adapter = runs.resolve("adapter");
        JsonNode cfg = new ObjectMapper().readTree(adapter.resolve(org.petl.core.adapter.AdapterFiles.CONFIG).toFile());
        assertEquals("SEQ_2_SEQ_LM", cfg.path("task_type").asText(), cfg.toString());
        Path peftOnly = tmp.resolve("peft-only");
        java.nio.file.Files.createDirectories(peftOnly);
        for (String f : new String[]{org.petl.core.adapter.AdapterFiles.CONFIG, "adapter_model.safetensors"}) {
            java.nio.file.Files.copy(adapter.resolve(f), peftOnly.resolve(f));
        }
        Path input = tmp.resolve("sources.txt");
        java.nio.file.Files.writeString(input, "the cat sat on the mat .\na model is trained on the data .\n");
        CliCapture viaPetl = CliCapture.run("generate", "--adapter", adapter.toString(), "--model", model.toString(), "--input", input.toString(),
                "--jsonl", "--batch", "32", "--max-source", "128");
        assertEquals(0, viaPetl.rc(), viaPetl.both());
        CliCapture viaPredict = CliCapture.run("predict", "--adapter", peftOnly.toString(), "--weights", model.toString(), "--input", input.toString());
        assertEquals(0, viaPredict.rc(), viaPredict.both());
        List<JsonNode> a = jsonLines(viaPetl.out()), b = jsonLines(viaPredict.out());
        assertEquals(2, a.size(), viaPetl.out());
        for (int i = 0; i < 2; i++) {
            assertEquals(a.get(i).path("token_ids"), b.get(i).path("token_ids"), "source " + i);
            assertEquals(a.get(i).path("scores").get(0).asDouble(), b.get(i).path("scores").get(0).asDouble(), 1e-6);
        }

        // export and merge of the seq2seq run: the exported PEFT folder and the merged BART folder decode the same
        Path exported = tmp.resolve("exported");
        CliCapture export = CliCapture.run("export", "--run", runs.toString(), "--format", "peft", "--out", exported.toString());
        assertEquals(0, export.rc(), export.both());
        assertEquals("SEQ_2_SEQ_LM", new ObjectMapper().readTree(exported.resolve(org.petl.core.adapter.AdapterFiles.CONFIG).toFile()).path("task_type").asText());
        CliCapture viaExport = CliCapture.run("generate", "--adapter", exported.toString(), "--model", model.toString(), "--input", input.toString(),
                "--jsonl", "--batch", "32", "--max-source", "128");
        assertEquals(0, viaExport.rc(), viaExport.both());
        Path merged = tmp.resolve("merged");
        CliCapture merge = CliCapture.run("merge", "--run", runs.toString(), "--out", merged.toString());
        assertEquals(0, merge.rc(), merge.both());
        JsonNode mj = new ObjectMapper().readTree(merge.out());
        assertEquals(2 * 3 * 2, mj.path("lora_modules_merged").asInt(), "q and v of 2 encoder, 2 decoder self- and 2 cross-attentions: " + mj);
        assertTrue(java.nio.file.Files.isRegularFile(merged.resolve("tokenizer.json")) && java.nio.file.Files.isRegularFile(merged.resolve("config.json")));
        assertEquals(Safetensors.read(model.resolve("model.safetensors")).keySet(), Safetensors.read(merged.resolve("model.safetensors")).keySet());
        CliCapture viaMerged = CliCapture.run("generate", "--weights", merged.toString(), "--input", input.toString(),
                "--jsonl", "--batch", "32", "--max-source", "128");
        assertEquals(0, viaMerged.rc(), viaMerged.both());
        List<JsonNode> e = jsonLines(viaExport.out()), m2 = jsonLines(viaMerged.out());
        for (int i = 0; i < 2; i++) {
            assertEquals(a.get(i).path("token_ids"), e.get(i).path("token_ids"), "export, source " + i);
            assertEquals(a.get(i).path("scores").get(0).asDouble(), e.get(i).path("scores").get(0).asDouble(), 1e-6);
            assertEquals(a.get(i).path("token_ids"), m2.get(i).path("token_ids"), "merged, source " + i);
            assertEquals(a.get(i).path("scores").get(0).asDouble(), m2.get(i).path("scores").get(0).asDouble(), 1e-4);
        }
        CliCapture hub = CliCapture.run("export", "--run", runs.toString(), "--format", "adapterhub", "--out", tmp.resolve("hub").toString());
        assertEquals(1, hub.rc(), hub.both());
        assertEquals(1, hub.err().strip().lines().count(), hub.both());
    }

    private static List<JsonNode> jsonLines(String out) throws java.io.IOException {
        List<JsonNode> r = new java.util.ArrayList<>();
        for (String l : out.strip().split("\n")) if (l.startsWith("{")) r.add(new ObjectMapper().readTree(l));
        return r;
    }

    @Test
    void aFolderWithoutBaseWeightsIsOneLine(@TempDir Path tmp) {
        CliCapture c = CliCapture.run("hf-folder", "--reference", tmp.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, c.rc(), c.both());
        assertEquals(1, c.err().strip().lines().count(), c.both());
        assertTrue(c.err().contains("no base.safetensors"), c.both());
    }
}
