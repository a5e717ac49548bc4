package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.io.Safetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real (three-step) LoRA run on MiniLM with transformers' head, then what a user does with it: predict from the
 * run, export to PEFT and predict from that folder read by PEFT's rules alone, merge into an HF folder and predict
 * from that folder with --weights. The logits agree throughout (≤ 1e-5).
 */
class InteropCommandsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void predictExportMergeAgree(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliCapture train = CliCapture.run("train", "--model", "minilm-l6", "--method", "lora:r=4,s=2,targets=q,v,layers=0-3", "--head", "hf",
                "--max-steps", "3", "--batch", "8", "--epochs", "1", "--lr", "5e-3", "--max-len", "32", "--out", run.toString());
        assertEquals(0, train.rc(), train.both());
        JsonNode metrics = JSON.readTree(run.resolve("metrics.json").toFile());
        assertEquals(6, metrics.path("config").path("model").path("layers").asInt(), "the model config is an object");
        assertEquals("TRANSFORMERS", metrics.path("config").path("options").path("head").path("style").asText(), metrics.path("config").toString());
        assertEquals(8, metrics.path("config").path("provenance").path("options").path("batch").asInt());
        JsonNode data = metrics.path("data");
        assertNotEquals(data.path("train").asText(), data.path("dev").asText(), "one hash per split");
        assertEquals(data.path("train/file").asText(), data.path("dev/file").asText(), "both cut from the same file");

        Path input = tmp.resolve("input.txt");
        Files.writeString(input, "a gorgeous, witty, seductive movie.\n\nthe plot is nothing but boilerplate clichés.\n");

        CliCapture fromRun = CliCapture.run("predict", "--run", run.toString(), "--input", input.toString());
        assertEquals(0, fromRun.rc(), fromRun.both());
        List<JsonNode> a = lines(fromRun.out());
        assertEquals(2, a.size(), "one line per non-blank input");
        double sum = 0;
        for (var it = a.get(0).path("probabilities").elements(); it.hasNext(); ) sum += it.next().asDouble();
        assertEquals(1.0, sum, 1e-9);
        assertTrue(a.get(0).path("probabilities").has(a.get(0).path("label").asText()));

        Path peft = tmp.resolve("peft");
        CliCapture export = CliCapture.run("export", "--run", run.toString(), "--format", "peft", "--out", peft.toString());
        assertEquals(0, export.rc(), export.both());
        JsonNode cfg = JSON.readTree(peft.resolve(AdapterFiles.CONFIG).toFile());
        assertEquals("SEQ_CLS", cfg.path("task_type").asText());
        assertEquals(List.of(0, 1, 2, 3), ints(cfg.path("layers_to_transform")));
        Files.delete(peft.resolve(AdapterFiles.PETL_CONFIG));   // what PEFT alone would see
        CliCapture fromPeft = CliCapture.run("predict", "--adapter", peft.toString(), "--model", "minilm-l6", "--max-len", "32", "--input", input.toString());
        assertEquals(0, fromPeft.rc(), fromPeft.both());
        assertLogitsEqual(a, lines(fromPeft.out()));

        // the PEFT user's path: petl's MiniLM as a bare transformers BertModel folder, the export on top of it
        Path base = tmp.resolve("minilm-hf");
        CliCapture hfBase = CliCapture.run("hf-folder", "--model", "minilm-l6", "--out", base.toString());
        assertEquals(0, hfBase.rc(), hfBase.both());
        assertTrue(hfBase.out().startsWith("wrote " + base + " (BertModel, hidden 384, 6 layers, vocab 30522)"), hfBase.out());
        assertEquals("BertModel", JSON.readTree(base.resolve("config.json").toFile()).path("architectures").get(0).asText());
        Set<String> baseKeys = Safetensors.read(base.resolve("model.safetensors")).keySet();
        assertTrue(baseKeys.contains("encoder.layer.0.attention.self.query.weight") && baseKeys.contains("embeddings.word_embeddings.weight")
                && baseKeys.stream().noneMatch(k -> k.startsWith("classifier") || k.startsWith("bert.")), baseKeys.toString());
        CliCapture onFolder = CliCapture.run("predict", "--adapter", peft.toString(), "--model", base.toString(), "--max-len", "32", "--input", input.toString());
        assertEquals(0, onFolder.rc(), onFolder.both());
        assertLogitsEqual(a, lines(onFolder.out()));

        Path hf = tmp.resolve("hf");
        CliCapture merge = CliCapture.run("merge", "--run", run.toString(), "--out", hf.toString());
        assertEquals(0, merge.rc(), merge.both());
        JsonNode config = JSON.readTree(hf.resolve("config.json").toFile());
        assertEquals("BertForSequenceClassification", config.path("architectures").get(0).asText());
        assertEquals(Set.of("config.json", "model.safetensors", "tokenizer.json"), Set.copyOf(Files.list(hf).map(p -> p.getFileName().toString()).toList()));
        Set<String> keys = Safetensors.read(hf.resolve("model.safetensors")).keySet();
        assertTrue(keys.contains("bert.encoder.layer.0.attention.self.query.weight") && keys.contains("bert.pooler.dense.weight")
                && keys.contains("classifier.weight") && keys.stream().noneMatch(k -> k.contains("lora")), keys.toString());
        CliCapture fromMerged = CliCapture.run("predict", "--weights", hf.toString(), "--max-len", "32", "--input", input.toString());
        assertEquals(0, fromMerged.rc(), fromMerged.both());
        assertLogitsEqual(a, lines(fromMerged.out()));

        CliCapture hub = CliCapture.run("export", "--run", run.toString(), "--format", "adapterhub", "--out", tmp.resolve("hub").toString());
        assertEquals(1, hub.rc());
        assertTrue(hub.err().contains("--format peft") && hub.err().lines().count() == 1, hub.both());
    }

    /** A parallel adapter run (two steps, transformers' head) through export --format adapterhub: AdapterHub's layout. */
    @Test
    void parallelAdapterExportsInAdapterHubLayout(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliCapture train = CliCapture.run("train", "--model", "minilm-l6", "--method", "pa:r=8", "--head", "hf",
                "--max-steps", "2", "--batch", "8", "--epochs", "1", "--lr", "5e-3", "--max-len", "32", "--out", run.toString());
        assertEquals(0, train.rc(), train.both());
        Path hub = tmp.resolve("hub");
        CliCapture export = CliCapture.run("export", "--run", run.toString(), "--format", "adapterhub", "--out", hub.toString());
        assertEquals(0, export.rc(), export.both());
        JsonNode cfg = JSON.readTree(hub.resolve(org.petl.core.adapter.AdapterHubFormat.CONFIG).toFile());
        JsonNode block = cfg.path("config");
        assertTrue(block.path("is_parallel").asBoolean(), cfg.toString());
        assertTrue(block.path("output_adapter").asBoolean() && !block.path("mh_adapter").asBoolean(), cfg.toString());
        assertEquals(384.0 / 8, block.path("reduction_factor").asDouble(), 1e-9, cfg.toString());
        Set<String> keys = Safetensors.read(hub.resolve(org.petl.core.adapter.AdapterHubFormat.WEIGHTS)).keySet();
        String name = cfg.path("name").asText();
        for (int i = 0; i < 6; i++) {
            String p = "bert.encoder.layer." + i + ".output.adapters." + name + ".";
            assertTrue(keys.contains(p + "adapter_down.0.weight") && keys.contains(p + "adapter_up.weight"), p + " in " + keys);
        }
        assertTrue(keys.stream().noneMatch(k -> k.contains("attention.output.adapters")), "an FFN adapter only: " + keys);
    }

    static void assertLogitsEqual(List<JsonNode> a, List<JsonNode> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).path("label_id").asInt(), b.get(i).path("label_id").asInt());
            for (int k = 0; k < a.get(i).path("logits").size(); k++) {
                assertEquals(a.get(i).path("logits").get(k).asDouble(), b.get(i).path("logits").get(k).asDouble(), 1e-5, "line " + i);
            }
        }
    }

    static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> l = new ArrayList<>();
        for (String s : out.lines().filter(x -> x.startsWith("{")).toList()) l.add(JSON.readTree(s));
        return l;
    }

    static List<Integer> ints(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asInt()));
        return out;
    }
}
