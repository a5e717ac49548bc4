package org.petl.tasks.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hyperparameters of one training run.
 *
 * @param evalEvery optimizer steps between evaluations (and resumable checkpoints); 0 = once per epoch
 * @param schedule  {@code linear}, {@code constant} or {@code polynomial} (power 1, end 0 ... i.e. HF's defaults)
 * @param maxSteps  stop after this many optimizer steps (null = train all epochs). The lr schedule still spans the
 *                  epochs, so a run stopped early and resumed follows the same schedule as an uninterrupted one.
 */
public record TrainConfig(int epochs, double lr, int batchSize, int gradAccumulation, double warmupRatio, double weightDecay,
                          double maxGradNorm, double labelSmoothing, int evalEvery, long seed, String schedule, Long maxSteps) {

    public TrainConfig {
        if (epochs <= 0) throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("lr must be positive and finite, got " + lr);
        if (batchSize <= 0 || gradAccumulation <= 0) throw new IllegalArgumentException("batch size and gradient accumulation must be positive");
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + warmupRatio);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        if (evalEvery < 0) throw new IllegalArgumentException("evalEvery must be >= 0, got " + evalEvery);
        if (!java.util.Set.of("linear", "constant", "polynomial").contains(schedule)) {
            throw new IllegalArgumentException("schedule must be linear, constant or polynomial, got '" + schedule + "'");
        }
        if (maxSteps != null && maxSteps <= 0) throw new IllegalArgumentException("maxSteps must be positive, got " + maxSteps);
    }

    /** RoBERTa GLUE-style defaults (fairseq/He et al.: warmup 6%, weight decay 0.1, clip 1.0). */
    public static TrainConfig defaults() {
        return new TrainConfig(10, 1e-4, 32, 1, 0.06, 0.1, 1.0, 0.0, 0, 42L, "linear", null);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps);
    }

    public TrainConfig withLr(double l) {
        return new TrainConfig(epochs, l, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps);
    }

    public TrainConfig withBatch(int batch, int accumulation) {
        return new TrainConfig(epochs, lr, batch, accumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps);
    }

    public TrainConfig withEvalEvery(int every) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, every, seed, schedule, maxSteps);
    }

    public TrainConfig withLabelSmoothing(double eps) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, eps, evalEvery, seed, schedule, maxSteps);
    }

    public TrainConfig withSchedule(String s, double warmup) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmup, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, s, maxSteps);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, s, schedule, maxSteps);
    }

    public TrainConfig withMaxSteps(Long m) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, m);
    }

    /** For metrics.json and checkpoints. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("lr", lr);
        m.put("batch_size", batchSize);
        m.put("grad_accumulation", gradAccumulation);
        m.put("warmup_ratio", warmupRatio);
        m.put("weight_decay", weightDecay);
        m.put("max_grad_norm", maxGradNorm);
        m.put("label_smoothing", labelSmoothing);
        m.put("eval_every", evalEvery);
        m.put("seed", seed);
        m.put("schedule", schedule);
        m.put("max_steps", maxSteps);
        return m;
    }
}
