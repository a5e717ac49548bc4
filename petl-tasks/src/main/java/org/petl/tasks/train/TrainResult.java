package org.petl.tasks.train;

import java.util.Map;

/**
 * @param bestDevMetric    best dev accuracy seen at an evaluation (NaN if none ran)
 * @param bestStep         the step of that evaluation (-1 if none)
 * @param finalMetrics     with the best parameters loaded: {@code dev} and every other labeled split, by split name
 * @param steps            optimizer steps done in total (including those before a resume)
 * @param wallSeconds      this session's wall time
 * @param tokensPerSecond  real (unpadded) training tokens per second in this session
 */
public record TrainResult(double bestDevMetric, long bestStep, Map<String, Double> finalMetrics, long steps, double wallSeconds,
                          double tokensPerSecond) {
    public TrainResult {
        finalMetrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(finalMetrics));
    }
}
