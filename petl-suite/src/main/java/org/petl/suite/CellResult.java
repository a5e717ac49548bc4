package org.petl.suite;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What one cell produced, collected by the Spark driver.
 *
 * @param status  {@code ok} (trained now), {@code cached} (a finished, matching metrics.json was there) or {@code failed}
 * @param reason  the one-line reason of a failure, null otherwise
 * @param value   the suite's metric (NaN when failed)
 * @param curve   dev accuracy by step: {@code [step, value]} pairs from the run's eval history
 */
public record CellResult(Cell cell, String folder, String status, String reason, double value, double dev, double test, long trainable,
                         long base, double trainablePercent, double trainSeconds, long steps, List<double[]> curve,
                         Map<String, String> dataHashes) implements Serializable {

    public static final String OK = "ok", CACHED = "cached", FAILED = "failed";

    public boolean failed() {
        return FAILED.equals(status);
    }

    static CellResult failure(Cell cell, String folder, String reason) {
        return new CellResult(cell, folder, FAILED, reason, Double.NaN, Double.NaN, Double.NaN, 0, 0, Double.NaN, 0, 0, List.of(), Map.of());
    }
}
