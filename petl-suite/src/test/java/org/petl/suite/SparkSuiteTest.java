package org.petl.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tiny real suite on Spark local[2]: the real MiniLM on a slice of the real polarity data, 2 methods × 2 seeds and
 * a few steps, plus one method that fails on this model. Then the resume rules: a rerun skips the finished cells,
 * and a changed hyper-parameter re-trains only the cells it affects.
 */
class SparkSuiteTest {

    static String suite(String paLr) {
        return """
                {"name": "tiny", "tasks": ["polarity"], "models": ["minilm-l6"],
                 "subsample": {"train": 16, "dev": 8, "test": 8},
                 "hyper": {"epochs": 1, "batch": 8, "max_len": 24, "max_steps": 2, "dropout": 0},
                 "methods": [{"label": "LoRA", "spec": "lora:r=2,s=2", "hyper": {"lr": 5e-3}},
                             {"label": "PA", "spec": "pa:r=4", "hyper": {"lr": %s}},
                             {"label": "broken", "spec": "lora:r=2,layers=9"}],
                 "seeds": [1, 2], "metric": "test_accuracy", "aggregate": ["median", "mean_std", "bootstrap"]}
                """.formatted(paLr);
    }

    static Map<String, String> statusByCell(List<CellResult> rs) {
        return rs.stream().collect(Collectors.toMap(r -> r.cell().label() + " " + r.cell().seed(), CellResult::status));
    }

    @Test
    void tinySuiteRunsResumesAndRerunsOnlyChangedCells(@TempDir Path tmp) throws Exception {
        String out = tmp.resolve("out").toString();
        Suite s = Suite.parse(suite("2e-3"), "tiny.json");
        SuiteRun.Outcome first = SuiteRun.run(s, out, "local[2]");
        Map<String, String> st = statusByCell(first.results());
        assertEquals(Map.of("LoRA 1", "ok", "LoRA 2", "ok", "PA 1", "ok", "PA 2", "ok", "broken 1", "failed", "broken 2", "failed"), st);
        CellResult broken = first.results().stream().filter(CellResult::failed).findFirst().orElseThrow();
        assertEquals(1, broken.reason().lines().count(), broken.reason());
        for (CellResult r : first.results()) {
            if (r.failed()) continue;
            Path dir = Path.of(r.folder());
            assertTrue(Files.isRegularFile(dir.resolve("metrics.json")), dir.toString());
            assertTrue(Files.isRegularFile(dir.resolve("adapter/adapter_model.safetensors")), dir.toString());
            JsonNode cj = new ObjectMapper().readTree(dir.resolve(CellRunner.CELL_JSON).toFile());
            assertEquals("finished", cj.get("status").asText());
            assertEquals(r.cell().hash(), cj.get("hash").asText());
            assertTrue(r.value() >= 0 && r.value() <= 1, r.toString());
            assertEquals(2, r.steps());
            assertTrue(r.trainablePercent() > 0 && r.trainablePercent() < 5, r.toString());
            assertFalse(r.dataHashes().isEmpty());
        }
        assertTrue(broken.reason().contains("layer") || broken.reason().contains("site"), broken.reason());
        for (String name : List.of(Report.TABLE_MD, Report.SUMMARY_JSON, Report.SUMMARY_CSV, Report.BUDGET_PNG, Report.CURVES_PNG)) {
            assertTrue(Files.size(Path.of(out, name)) > 0, name);
        }
        assertTrue(Files.isDirectory(Path.of(out, Report.PARQUET)));
        String table = Files.readString(Path.of(out, Report.TABLE_MD));
        assertTrue(table.contains("| LoRA |") && table.contains("| PA |") && table.contains("| broken | — | ✗ failed |"), table);
        JsonNode summary = new ObjectMapper().readTree(Path.of(out, Report.SUMMARY_JSON).toFile());
        assertEquals(6, summary.get("provenance").get("cells").asInt());
        assertTrue(summary.get("provenance").get("data_sha256").get("polarity").size() >= 3, summary.get("provenance").toString());
        assertEquals(2, summary.get("rows").get(0).get("n").asInt());

        // rerun through the CLI: the finished cells are skipped, the failed ones tried again; exit code 3 = some failed
        Path file = tmp.resolve("tiny.json");
        Files.writeString(file, suite("2e-3"));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            rc = PetlMain.execute("suite", file.toString(), "--out", out, "--master", "local[2]");
        } finally {
            System.setOut(old);
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertEquals(SuiteCommand.SOME_FAILED, rc, printed);
        assertTrue(printed.contains("6 cells: 0 trained, 4 already finished, 2 failed"), printed);
        assertTrue(printed.contains("| LoRA |"), printed);

        // one hyper-parameter changed: only PA's cells train again
        SuiteRun.Outcome third = SuiteRun.run(Suite.parse(suite("3e-3"), "tiny.json"), out, "local[2]");
        assertEquals(Map.of("LoRA 1", "cached", "LoRA 2", "cached", "PA 1", "ok", "PA 2", "ok", "broken 1", "failed", "broken 2", "failed"),
                statusByCell(third.results()));
        assertEquals(first.results().get(0).value(), third.results().get(0).value(), "a cached cell reports what it reported");
    }
}
