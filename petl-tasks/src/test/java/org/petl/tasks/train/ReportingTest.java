package org.petl.tasks.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The divergence guard, the progress switch and the metrics report. */
class ReportingTest {

    @TempDir
    Path run;

    @Test
    void divergenceNamesStepAndLastGoodCheckpoint() {
        TrainingDivergedException.check(0.7, 36, null); // finite: fine
        var e = assertThrows(TrainingDivergedException.class, () -> TrainingDivergedException.check(Double.NaN, 37, Path.of("runs/x/checkpoint-30")));
        assertEquals("loss became NaN at step 37; the last good checkpoint is runs/x/checkpoint-30", e.getMessage());
        assertEquals(37, e.step());
        var f = assertThrows(TrainingDivergedException.class, () -> TrainingDivergedException.check(Double.POSITIVE_INFINITY, 3, null));
        assertEquals("loss became +Infinity at step 3; no checkpoint has been written yet", f.getMessage());
        assertTrue(f.lastGoodCheckpoint().isEmpty());
    }

    @Test
    void progressBarOnlyOnAQuietTerminal() {
        assertTrue(TrainProgress.enabled(Map.of(), true));
        assertFalse(TrainProgress.enabled(Map.of(), false));
        assertFalse(TrainProgress.enabled(Map.of("PETL_NO_PROGRESS", "1"), true));
        assertFalse(TrainProgress.enabled(Map.of("CI", "true"), true));
        assertTrue(TrainProgress.enabled(Map.of("CI", "false"), true));
    }

    @Test
    void nonInteractiveProgressLogsPlainLines() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (TrainProgress p = TrainProgress.start("polarity lora:r=8", 20, 0, new PrintStream(buf, true, StandardCharsets.UTF_8), 10, false)) {
            assertFalse(p.interactive());
            for (int s = 1; s <= 20; s++) p.update(s, 0.5, 1234);
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("polarity lora:r=8 step 10/20  loss 0.5000  1,234 tok/s  eta "), lines[0]);
        assertEquals("0:01:05", TrainProgress.formatDuration(65));
    }

    @Test
    void interactiveBarRunsWithoutATerminal() {
        try (TrainProgress p = TrainProgress.start("polarity", 5, 2, null, 1, true)) {
            assertTrue(p.interactive());
            p.update(3, 0.4, 100);
        }
    }

    @Test
    void writesMetricsJsonAndLearningCurve() throws IOException {
        MetricsReport r = new MetricsReport()
                .config(Map.of("task", "polarity", "method", "lora", "lr", 5e-4))
                .parameterCounts(Map.of("trainable", 294_912, "total", 124_940_544))
                .seed("train", 13).seed("split", 13)
                .dataHash("polarity/train", "1b99");
        for (int s = 1; s <= 40; s++) r.addLoss(s, 0.7 / Math.sqrt(s));
        r.addEval(20, 0, Map.of("accuracy", 0.71)).addEval(40, 1, Map.of("accuracy", 0.78));
        r.finalMetrics(Map.of("dev_accuracy", 0.78, "test_accuracy", 0.77));
        r.write(run);
        JsonNode j = new ObjectMapper().readTree(run.resolve(MetricsReport.METRICS_JSON).toFile());
        assertEquals("lora", j.at("/config/method").asText());
        assertEquals(294_912, j.at("/parameters/trainable").asLong());
        assertEquals(13, j.at("/seeds/train").asLong());
        assertEquals("1b99", j.at("/data/polarity~1train").asText());
        assertEquals(2, j.get("eval_history").size());
        assertEquals(40, j.at("/eval_history/1/step").asLong());
        assertEquals(0.78, j.at("/eval_history/1/metrics/accuracy").asDouble());
        assertEquals(40, j.get("loss_history").size());
        assertEquals(0.77, j.at("/final/test_accuracy").asDouble());
        assertTrue(j.at("/versions/java").asText().startsWith(System.getProperty("java.version")));
        assertFalse(j.at("/versions/nd4j").asText().isEmpty());
        assertFalse(j.at("/versions/os").asText().isEmpty());
        byte[] png = Files.readAllBytes(run.resolve(MetricsReport.CURVE_PNG));
        assertTrue(png.length > 1000);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
    }
}
