package org.petl.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.tasks.train.MetricsReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** A cell killed after a checkpoint restarts from it: the rerun trains no step again and reports the same result. */
class CellResumeTest {

    @Test
    void aKilledCellRestartsFromItsLastCheckpoint(@TempDir Path tmp) throws Exception {
        Suite s = Suite.parse("""
                {"name": "resume", "tasks": ["polarity"], "models": ["minilm-l6"],
                 "subsample": {"train": 16, "dev": 8, "test": 8},
                 "hyper": {"epochs": 1, "batch": 8, "max_len": 24, "max_steps": 2, "eval_every": 1, "lr": 5e-3},
                 "methods": [{"spec": "lora:r=2,s=2"}], "seeds": [3]}
                """, "resume.json");
        Cell cell = s.cells().get(0);
        String out = tmp.toString();
        CellResult first = CellRunner.run(cell, out);
        assertEquals(CellResult.OK, first.status(), String.valueOf(first.reason()));
        Path dir = Path.of(first.folder());
        try (Stream<Path> l = Files.list(dir)) {
            assertTrue(l.anyMatch(p -> p.getFileName().toString().startsWith("checkpoint")), "checkpoints written");
        }
        // as if the process died after its last checkpoint, before the run's metrics.json and cell.json were complete
        Files.delete(dir.resolve(MetricsReport.METRICS_JSON));
        Files.writeString(dir.resolve(CellRunner.CELL_JSON), "{\"status\": \"running\", \"hash\": \"" + cell.hash() + "\"}");
        assertNull(CellRunner.finished(cell, first.folder()), "an unfinished cell is not skipped");

        CellResult again = CellRunner.run(cell, out);
        assertEquals(CellResult.OK, again.status(), String.valueOf(again.reason()));
        JsonNode m = new ObjectMapper().readTree(dir.resolve(MetricsReport.METRICS_JSON).toFile());
        assertEquals(2, m.get("final").get("steps").asInt());
        assertEquals(0, m.get("final").get("session_steps").asInt(), "resumed from the step-2 checkpoint: nothing trained again");
        assertEquals(first.value(), again.value());
        assertEquals(first.dev(), again.dev());
        assertEquals(CellResult.CACHED, CellRunner.run(cell, out).status(), "now finished: skipped");
    }
}
