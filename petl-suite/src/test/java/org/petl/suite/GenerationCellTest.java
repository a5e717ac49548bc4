package org.petl.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.models.weights.HfFolderWriter;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.data.Tasks;
import org.petl.tasks.train.MetricsReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A generation cell trains through the seq2seq trainer: the tiny reference BART (a Hugging Face folder) on an XSum
 * layout folder of real polarity sentences (document = the sentence, summary = its first four words), scored by
 * ROUGE-2; a killed cell resumes from its checkpoint; the seq2seq settings are part of a generation cell's hash
 * and of no classification cell's.
 */
class GenerationCellTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aGenerationCellTrainsScoresAndResumes(@TempDir Path tmp) throws Exception {
        Path ref = Path.of(System.getProperty("petl.shared", "../../shared")).resolve("golden/petl-reference/bart");
        Path bart = tmp.resolve("tiny-bart");
        HfFolderWriter.writeTinyReference(ref, bart);
        Path xsum = xsumFolder(tmp.resolve("xsum"));
        Suite s = Suite.parse("""
                {"name": "gen", "tasks": ["xsum"], "models": ["%s"], "data": {"xsum": "%s"},
                 "subsample": {"train": 24, "dev": 6, "test": 6},
                 "seq2seq": {"max_source": 32, "max_target": 8, "min_length": 2, "eval_batch": 6},
                 "hyper": {"epochs": 1, "batch": 8, "max_steps": 2, "eval_every": 1, "lr": 1e-2, "warmup": 0},
                 "methods": [{"label": "LoRA", "spec": "lora:r=4,s=2"}], "seeds": [1]}
                """.formatted(bart, xsum), "gen.json");
        assertEquals("test_rouge2", s.metric("xsum"), "a summarisation task reports ROUGE-2 unless the suite says otherwise");
        Cell cell = s.cells().get(0);
        assertEquals(new Seq2SeqSettings(32, 8, 2, 1, 0, 0, 6), cell.seq2seq());
        String out = tmp.resolve("out").toString();

        CellResult first = CellRunner.run(cell, out);
        assertEquals(CellResult.OK, first.status(), String.valueOf(first.reason()));
        assertTrue(Double.isFinite(first.value()) && first.value() >= 0 && first.value() <= 100, "test ROUGE-2 " + first.value());
        Path dir = Path.of(first.folder());
        JsonNode m = JSON.readTree(dir.resolve(MetricsReport.METRICS_JSON).toFile());
        assertEquals(2, m.get("final").get("steps").asInt());
        assertEquals(first.value(), m.get("final").get("test_rouge2").asDouble(), 0.0, "the cell reports the run's own test ROUGE-2");
        assertTrue(m.toString().contains(cell.hash()), "the config hash is in the run's provenance");
        assertEquals(6, Files.readAllLines(dir.resolve("evals/final/test.predictions.jsonl")).size(), "one prediction per test pair");
        assertEquals(2, first.curve().size(), "a dev ROUGE-2 point per evaluation (eval_every 1, 2 steps)");
        assertTrue(Files.isDirectory(dir.resolve("adapter")), "the adapter is saved");

        // killed after its last checkpoint: the rerun trains nothing again and reports the same scores
        Files.delete(dir.resolve(MetricsReport.METRICS_JSON));
        Files.writeString(dir.resolve(CellRunner.CELL_JSON), "{\"status\": \"running\", \"hash\": \"" + cell.hash() + "\"}");
        CellResult again = CellRunner.run(cell, out);
        assertEquals(CellResult.OK, again.status(), String.valueOf(again.reason()));
        JsonNode m2 = JSON.readTree(dir.resolve(MetricsReport.METRICS_JSON).toFile());
        assertEquals(0, m2.get("final").get("session_steps").asInt(), "resumed from the step-2 checkpoint");
        assertEquals(first.value(), again.value());
        assertEquals(CellResult.CACHED, CellRunner.run(cell, out).status(), "now finished: skipped");
    }

    @Test
    void seq2seqSettingsKeyGenerationCellsOnly() {
        String base = """
                {"name": "h", "tasks": ["polarity", "debsum"], "models": ["minilm-l6"],
                 "hyper": {"epochs": 1}, "methods": [{"spec": "lora:r=8,s=2"}], "seeds": [1] %s}
                """;
        Suite plain = Suite.parse(base.formatted(""), "h.json");
        Suite longer = Suite.parse(base.formatted(", \"seq2seq\": {\"max_target\": 24}"), "h.json");
        Suite perTask = Suite.parse(base.formatted(", \"seq2seq\": {\"debsum\": {\"max_target\": 24}}, \"metric\": {\"debsum\": \"test_rouge1\"}"), "h.json");
        assertEquals(plain.cells().get(0).hash(), longer.cells().get(0).hash(), "polarity's cell ignores seq2seq settings");
        assertNull(plain.cells().get(0).seq2seq());
        assertNotEquals(plain.cells().get(1).hash(), longer.cells().get(1).hash(), "debsum's cell is keyed by them");
        assertEquals(longer.cells().get(1).hash(), perTask.cells().get(1).hash(), "given once or per task: the same settings");
        assertEquals("test_accuracy", perTask.metric("polarity"));
        assertEquals("test_rouge1", perTask.metric("debsum"));
        assertEquals("polarity: test_accuracy, debsum: test_rouge1", perTask.metric());
        SuiteException e = assertThrows(SuiteException.class, () -> Suite.parse(base.formatted(", \"metric\": \"test_bleu\""), "h.json"));
        assertTrue(e.getMessage().startsWith("suite h.json: metric: test_bleu is not a metric of polarity"), e.getMessage());
        e = assertThrows(SuiteException.class, () -> Suite.parse(base.formatted(", \"seq2seq\": {\"beams\": 4}"), "h.json"));
        assertTrue(e.getMessage().startsWith("suite h.json: seq2seq: unknown setting 'beams'"), e.getMessage());
        // a budget on a generation task is solved on its encoder-decoder, which has more parameters than the encoder
        Suite budget = Suite.parse(base.replace("{\"spec\": \"lora:r=8,s=2\"}", "{\"method\": \"pa\", \"budget\": 1.0}").formatted(""), "h.json");
        assertNotEquals(budget.cells().get(0).spec(), budget.cells().get(1).spec(), "polarity's and debsum's budgets solve different r");
    }

    private static Path xsumFolder(Path dir) throws Exception {
        Files.createDirectories(dir);
        Dataset pol = Tasks.load("polarity", null).train();
        int at = 0;
        for (String split : List.of("train", "validation", "test")) {
            List<String> lines = new ArrayList<>();
            while (lines.size() < (split.equals("train") ? 24 : 6)) {
                String text = pol.get(at++ * 13 % pol.size()).text();
                String[] w = text.split("\\s+");
                if (w.length < 6) continue;
                ObjectNode o = JSON.createObjectNode();
                o.put("document", text);
                o.put("summary", String.join(" ", List.of(w).subList(0, 4)));
                o.put("id", split + at);
                lines.add(JSON.writeValueAsString(o));
            }
            Files.write(dir.resolve(split + ".jsonl"), lines);
        }
        return dir;
    }
}
