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
 * @param adamBeta1 AdamW's β1 (PyTorch's default 0.9); with {@code adamBeta2} and {@code adamEps} see {@link AdamW}
 * @param select    the evaluation key that picks the best checkpoint ({@code loss}, {@code accuracy}, {@code rouge2},
 *                  {@code bleu}), or null for the objective's own metric ({@link Objective#selection(String)})
 */
public record TrainConfig(int epochs, double lr, int batchSize, int gradAccumulation, double warmupRatio, double weightDecay,
                          double maxGradNorm, double labelSmoothing, int evalEvery, long seed, String schedule, Long maxSteps,
                          double adamBeta1, double adamBeta2, double adamEps, String select) {

    /** PyTorch's torch.optim.AdamW defaults (the paper's en-ro script overrides β2 and ε). */
    public static final double ADAM_BETA1 = 0.9, ADAM_BETA2 = 0.999, ADAM_EPS = 1e-8;

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
        new AdamW.Config(adamBeta1, adamBeta2, adamEps, weightDecay);   // the optimizer's own range checks
        if (!Double.isFinite(adamEps)) throw new IllegalArgumentException("adam eps must be finite, got " + adamEps);
        if (select != null && select.isBlank()) select = null;
    }

    /** PyTorch's AdamW betas and eps, the objective's own selection metric. */
    public TrainConfig(int epochs, double lr, int batchSize, int gradAccumulation, double warmupRatio, double weightDecay,
                       double maxGradNorm, double labelSmoothing, int evalEvery, long seed, String schedule, Long maxSteps) {
        this(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps,
                ADAM_BETA1, ADAM_BETA2, ADAM_EPS, null);
    }

    /** RoBERTa GLUE-style defaults (fairseq/He et al.: warmup 6%, weight decay 0.1, clip 1.0). */
    public static TrainConfig defaults() {
        return new TrainConfig(10, 1e-4, 32, 1, 0.06, 0.1, 1.0, 0.0, 0, 42L, "linear", null);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withLr(double l) {
        return new TrainConfig(epochs, l, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withBatch(int batch, int accumulation) {
        return new TrainConfig(epochs, lr, batch, accumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withEvalEvery(int every) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, every, seed, schedule, maxSteps, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withLabelSmoothing(double eps) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, eps, evalEvery, seed, schedule, maxSteps, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withSchedule(String s, double warmup) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmup, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, s, maxSteps, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, s, schedule, maxSteps, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withMaxSteps(Long m) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, m, adamBeta1, adamBeta2, adamEps, select);
    }

    public TrainConfig withAdam(double beta1, double beta2, double eps) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps,
                beta1, beta2, eps, select);
    }

    public TrainConfig withSelect(String metric) {
        return new TrainConfig(epochs, lr, batchSize, gradAccumulation, warmupRatio, weightDecay, maxGradNorm, labelSmoothing, evalEvery, seed, schedule, maxSteps,
                adamBeta1, adamBeta2, adamEps, metric);
    }

    /** The optimizer's hyperparameters. */
    public AdamW.Config adam() {
        return new AdamW.Config(adamBeta1, adamBeta2, adamEps, weightDecay);
    }

    /**
     * For metrics.json and checkpoints. The Adam keys appear only where they differ from PyTorch's defaults and
     * {@code select} only when set: run folders and suite cells written before these settings existed hash and
     * resume exactly as before, and a resume that changes any of them is still refused (the maps differ).
     */
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
        if (adamBeta1 != ADAM_BETA1) m.put("adam_beta1", adamBeta1);
        if (adamBeta2 != ADAM_BETA2) m.put("adam_beta2", adamBeta2);
        if (adamEps != ADAM_EPS) m.put("adam_eps", adamEps);
        if (select != null) m.put("select", select);
        return m;
    }
}
