package org.petl.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.io.Safetensors;
import org.petl.core.tensor.HostTensor;
import org.petl.models.weights.HfFolderWriter;
import org.petl.tasks.train.AdamW;

/**
 * The en-ro script's settings as petl train flags (Adam β1/β2/ε, selection by dev loss, attention dropout apart
 * from dropout) on the tiny reference BART and XSum-format files: they reach run.json, metrics.json, the
 * checkpoints and the optimizer; a resume that changes one is refused in one line; generate --run decodes with the
 * run's settings.
 */
class PaperFlagsCliTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The run's flags; {@code more} adds options or, for one already there, replaces its value. */
    static List<String> trainArgs(Path model, Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--task", "xsum", "--data", data.toString(), "--weights", model.toString(),
                "--method", "lora:r=2,s=2", "--epochs", "2", "--batch", "4", "--lr", "1e-2", "--max-source", "32", "--max-target", "8",
                "--gen-max-length", "6", "--eval-every", "1", "--label-smoothing", "0.1", "--dropout", "0.1", "--attention-dropout", "0",
                "--adam-beta1", "0.8", "--adam-beta2", "0.98", "--adam-eps", "1e-6", "--select", "loss", "--out", out.toString()));
        for (int i = 0; i < more.length; i++) {
            int at = a.indexOf(more[i]);
            boolean valued = i + 1 < more.length && !more[i + 1].startsWith("--");
            if (at >= 0 && valued) a.set(at + 1, more[++i]);
            else {
                a.add(more[i]);
                if (valued) a.add(more[++i]);
            }
        }
        return a;
    }

    @Test
    void enRoSettingsAreFlagsThatReachTheRun(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("tiny-bart");
        HfFolderWriter.writeTinyReference(TinyFixtures.shared().resolve("golden/petl-reference/bart"), model);
        Path data = tmp.resolve("xsum");
        Seq2SeqCliTest.xsum(data);
        Path run = tmp.resolve("run");

        // one step: the first checkpoint's moments are m = (1-β1)·g and v = (1-β2)·g², so v/m² = (1-β2)/(1-β1)² = 0.5
        CliCapture first = CliCapture.run(trainArgs(model, data, run, "--max-steps", "1").toArray(String[]::new));
        assertEquals(0, first.rc(), first.both());
        Map<String, HostTensor> opt = Safetensors.read(run.resolve("checkpoint-1/optimizer.safetensors"));
        int checked = 0;
        for (var e : opt.entrySet()) {
            if (!e.getKey().endsWith(AdamW.M_SUFFIX)) continue;
            String name = e.getKey().substring(0, e.getKey().length() - AdamW.M_SUFFIX.length());
            float[] m = e.getValue().data(), v = opt.get(name + AdamW.V_SUFFIX).data();
            for (int i = 0; i < m.length; i++) {
                if (Math.abs(m[i]) < 1e-5) continue;
                assertEquals(0.5, v[i] / ((double) m[i] * m[i]), 1e-3, name + "[" + i + "]");
                checked++;
            }
        }
        assertTrue(checked > 10, "only " + checked + " moments checked");
        JsonNode runJson = JSON.readTree(run.resolve("run.json").toFile());
        assertEquals(0.0, runJson.path("attention_dropout").asDouble(-1), "attention dropout recorded apart from dropout");
        assertEquals(0.1, runJson.path("dropout").asDouble());

        // a resume with another β2 (or selection) is refused in one line naming it
        CliCapture changed = CliCapture.run(trainArgs(model, data, run, "--resume", "--adam-beta2", "0.999").toArray(String[]::new));
        assertNotEquals(0, changed.rc());
        List<String> errs = changed.err().strip().lines().toList();
        String line = errs.get(errs.size() - 1);   // after the tokenizer's truncation warning
        assertTrue(line.startsWith("petl train: error: cannot resume") && line.contains("adam_beta2 0.98 -> 0.999"), changed.both());
        assertFalse(changed.err().contains("Exception") || changed.err().contains("\tat "), changed.both());
        CliCapture reselect = CliCapture.run(trainArgs(model, data, run, "--resume", "--select", "rouge2").toArray(String[]::new));
        assertNotEquals(0, reselect.rc());
        assertTrue(reselect.err().strip().contains("select loss -> rouge2"), reselect.both());

        // the same flags resume to the end: six evaluations, the best is the lowest label-smoothed dev loss
        CliCapture rest = CliCapture.run(trainArgs(model, data, run, "--resume").toArray(String[]::new));
        assertEquals(0, rest.rc(), rest.both());
        JsonNode s = JSON.readTree(rest.out().substring(rest.out().indexOf('{')));
        assertEquals(6, s.path("steps").asInt(), rest.out());
        JsonNode metrics = JSON.readTree(run.resolve("metrics.json").toFile());
        JsonNode config = metrics.path("config");
        assertEquals(0.8, config.path("adam_beta1").asDouble());
        assertEquals(0.98, config.path("adam_beta2").asDouble());
        assertEquals(1e-6, config.path("adam_eps").asDouble());
        assertEquals("loss", config.path("select").asText());
        assertEquals(0.0, config.path("provenance").path("attention_dropout").asDouble(-1));
        JsonNode history = metrics.path("eval_history");
        assertEquals(6, history.size());
        long argmin = -1;
        double min = Double.POSITIVE_INFINITY;
        for (JsonNode e : history) {
            JsonNode m = e.path("metrics");
            assertTrue(m.has("rouge2") && m.has("nll_loss"), e.toString());
            assertTrue(m.path("loss").asDouble() > m.path("nll_loss").asDouble(), "smoothing adds to the loss: " + e);
            if (m.path("loss").asDouble() < min) {
                min = m.path("loss").asDouble();
                argmin = e.path("step").asLong();
            }
        }
        assertEquals(argmin, s.path("best_step").asLong(), s.toString());
        assertEquals(min, s.path("best_dev_loss").asDouble(), 0, s.toString());
        assertEquals(min, metrics.path("final").path("best_dev_loss").asDouble(), 0);
        assertTrue(s.has("dev_rouge2"), "dev's other metrics come from the best evaluation: " + s);

        // generate --run decodes with the run's model, adapter and length settings (--gen-max-length 6)
        Path sources = Files.writeString(tmp.resolve("sources.txt"), "the cat sat on the mat\nwe translate the sentence\n");
        CliCapture g = CliCapture.run("generate", "--run", run.toString(), "--input", sources.toString(), "--jsonl");
        assertEquals(0, g.rc(), g.both());
        List<String> lines = g.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(2, lines.size(), g.out());
        for (String l : lines) assertTrue(JSON.readTree(l).path("outputs").get(0).isTextual(), l);
    }

    @Test
    void selectionsATaskDoesNotScoreAreOneLine(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("xsum");
        Seq2SeqCliTest.xsum(data);
        CliCapture bleu = CliCapture.run("train", "--task", "xsum", "--data", data.toString(), "--select", "bleu", "--out", tmp.resolve("a").toString());
        assertNotEquals(0, bleu.rc());
        assertEquals("petl train: error: --select 'bleu': xsum selects by rouge2 or loss", bleu.err().strip());
        CliCapture acc = CliCapture.run("train", "--task", "polarity", "--select", "rouge2", "--out", tmp.resolve("b").toString());
        assertEquals("petl train: error: --select 'rouge2': polarity selects by accuracy or loss", acc.err().strip());
        CliCapture beta = CliCapture.run("train", "--task", "polarity", "--adam-beta2", "1", "--out", tmp.resolve("c").toString());
        assertEquals("petl train: error: --adam-beta2 1.0: must be in [0, 1)", beta.err().strip());
        CliCapture att = CliCapture.run("train", "--task", "polarity", "--attention-dropout", "1.5", "--out", tmp.resolve("d").toString());
        assertTrue(att.err().strip().startsWith("petl train: error: --attention-dropout 1.5: must be a probability"), att.both());
    }
}
