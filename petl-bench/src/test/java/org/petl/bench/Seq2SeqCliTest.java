package org.petl.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.models.weights.HfFolderWriter;

/**
 * petl train and petl eval on a seq2seq task: the tiny reference BART written as a Hugging Face folder
 * ({@code --weights DIR}) on XSum-format JSON lines written here; bad seq2seq input is one line.
 */
class Seq2SeqCliTest {

    static void xsum(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder train = new StringBuilder(), dev = new StringBuilder();
        String[] docs = {"the cat sat on the mat and the dog ran in the park", "a model is trained on the data and then tested",
                "the adapter is added after the attention layer", "we translate the sentence into another language",
                "there is a house on the hill and the sun is shining", "parameter efficient tuning trains only a few weights"};
        for (int i = 0; i < 12; i++) {
            String d = docs[i % docs.length];
            train.append(String.format("{\"document\": \"%s\", \"summary\": \"%s\", \"id\": \"%d\"}%n", d, d.substring(0, d.indexOf(' ', 8)), i));
        }
        for (int i = 0; i < 4; i++) {
            String d = docs[(i + 1) % docs.length];
            dev.append(String.format("{\"document\": \"%s\", \"summary\": \"%s\", \"id\": \"v%d\"}%n", d, d.substring(0, d.indexOf(' ', 8)), i));
        }
        Files.writeString(dir.resolve("train.jsonl"), train);
        Files.writeString(dir.resolve("validation.jsonl"), dev);
    }

    @Test
    void trainsAndEvaluatesASeq2SeqRun(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("tiny-bart");
        HfFolderWriter.writeTinyReference(TinyFixtures.shared().resolve("golden/petl-reference/bart"), model);
        xsum(tmp.resolve("xsum"));
        Path run = tmp.resolve("run");
        CliCapture t = CliCapture.run("train", "--task", "xsum", "--data", tmp.resolve("xsum").toString(), "--weights", model.toString(),
                "--method", "lora:r=2,s=2", "--epochs", "1", "--batch", "4", "--lr", "1e-2", "--max-source", "32", "--max-target", "8",
                "--gen-max-length", "6", "--out", run.toString());
        assertEquals(0, t.rc(), t.both());
        JsonNode s = new ObjectMapper().readTree(t.out().substring(t.out().indexOf('{')));
        assertEquals(3, s.path("steps").asInt(), t.out());
        assertTrue(s.has("best_dev_rouge2"), t.out());
        assertTrue(Files.isRegularFile(run.resolve("adapter/adapter_model.safetensors")));

        CliCapture e = CliCapture.run("eval", "--run", run.toString());
        assertEquals(0, e.rc(), e.both());
        JsonNode ev = new ObjectMapper().readTree(e.out().substring(e.out().indexOf('{')));
        // the best adapter scores dev as the run's selection did
        assertEquals(s.path("best_dev_rouge2").asDouble(), ev.path("dev_rouge2").asDouble(), 1e-9, e.out());
        assertEquals(4, Files.readAllLines(run.resolve("evals/eval/dev.predictions.jsonl")).size());

        // predict on a seq2seq run generates text with the run's model and adapter, one JSON line per source
        Path sources = Files.writeString(tmp.resolve("sources.txt"), "the cat sat on the mat\n\nwe translate the sentence\n");
        CliCapture p = CliCapture.run("predict", "--run", run.toString(), "--input", sources.toString());
        assertEquals(0, p.rc(), p.both());
        List<String> lines = p.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(2, lines.size(), p.out());
        for (String l : lines) assertTrue(new ObjectMapper().readTree(l).has("outputs"), l);
    }

    @Test
    void badSeq2SeqInputIsOneLine(@TempDir Path tmp) throws IOException {
        Files.createDirectories(tmp.resolve("x"));
        Files.writeString(tmp.resolve("x/train.jsonl"), "{\"document\": \"a\"}\n");
        Files.writeString(tmp.resolve("x/validation.jsonl"), "{\"document\": \"a\", \"summary\": \"b\"}\n");
        CliCapture c = CliCapture.run("train", "--task", "xsum", "--data", tmp.resolve("x").toString(), "--weights", tmp.toString(), "--out", tmp.resolve("run").toString());
        assertNotEquals(0, c.rc());
        String line = c.err().strip();
        assertFalse(line.contains("\n") || line.contains("Exception"), c.both());
        assertTrue(line.startsWith("petl train: error: ") && line.endsWith("train.jsonl:1: no \"summary\""), c.both());
    }
}
