package org.petl.tasks.train;

import org.petl.core.site.NativeMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.io.Safetensors;
import org.petl.core.site.Backprop;
import org.petl.core.tensor.HostTensor;
import org.petl.models.graph.EncoderGraph;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.data.Example;

/**
 * The training loop: AdamW on the method's trainable parameters with a warmup schedule, global-norm clipping,
 * gradient accumulation and label smoothing; dev evaluation with best-checkpoint selection; resumable checkpoints
 * that make a resumed run repeat an uninterrupted one bit for bit.
 *
 * <p>Determinism: batch order comes from an {@link EpochSampler} on a {@link RunRng} fork of the seed, and the
 * in-graph dropout draws from ND4J's global RNG, which {@link DropoutSeeder} reseeds from (seed, step, micro-batch,
 * op name) before every random op, so neither depends on anything a checkpoint does not restore.
 *
 * <p>Memory: SameDiff does not free what a step allocates off-heap until the GC happens to run, so the loop closes
 * placeholders, outputs and gradients as soon as it is done with them.
 */
public final class Trainer {

    /** {@code runDir/best/adapter.safetensors}: the trainable parameters at the best dev evaluation. */
    public static final String BEST_DIR = "best";
    public static final int EVAL_BATCH = 64;
    /** Resumable checkpoints kept in the run folder (older ones are deleted after a new one is complete). */
    static final int KEEP_CHECKPOINTS = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Trainer() {
    }

    /** Called after every optimizer step with the mean training loss of that step. */
    @FunctionalInterface
    public interface StepListener {
        void afterStep(long step, double loss);
    }

    /**
     * Accuracy and the mean loss (NaN on an unlabeled set, the loss also when not asked for) and the argmax
     * prediction per example, in dataset order.
     */
    public record Evaluation(double accuracy, double loss, int[] predictions) {
    }

    public static TrainResult train(TrainJob job, Path runDir, boolean resume) {
        return train(job, runDir, resume, (s, l) -> { });
    }

    public static TrainResult train(TrainJob job, Path runDir, boolean resume, StepListener listener) {
        return train(new Objective.Classification(job.graph(), job.data(), job.batcher()), job.applied(), job.config(), job.provenance(),
                runDir, resume, listener);
    }

    /** A classification job into an open (locked) run folder. */
    public static TrainResult train(TrainJob job, RunFolder run, StepListener listener) {
        return train(new Objective.Classification(job.graph(), job.data(), job.batcher()), job.applied(), job.config(), job.provenance(),
                run, listener);
    }

    /**
     * Opens {@code runDir} as a {@link RunFolder} whose defining configuration is the training configuration, the
     * method and the task, and trains: {@code resume} continues the run in the folder if there is one (and starts
     * one otherwise, {@link RunFolder.Mode#CONTINUE}); without it the folder must hold no run.
     */
    public static TrainResult train(Objective obj, org.petl.core.method.AppliedMethod applied, TrainConfig c, Map<String, Object> provenance,
                                    Path runDir, boolean resume, StepListener listener) {
        c = selecting(obj, c);
        Map<String, Object> config = new LinkedHashMap<>(c.toMap());
        config.put("method", applied.method().spec());
        config.put("task", obj.task());
        try (RunFolder run = RunFolder.open(runDir, resume ? RunFolder.Mode.CONTINUE : RunFolder.Mode.NEW, config)) {
            return train(obj, applied, c, provenance, run, listener);
        }
    }

    /**
     * The loop for any {@link Objective}, into an open (locked) run folder; it resumes from the folder's latest
     * checkpoint when the folder was opened to resume. {@code applied} must have been applied to the objective's
     * graph; {@code provenance} (model file hashes, command line, ...) goes into metrics.json as is.
     */
    public static TrainResult train(Objective obj, org.petl.core.method.AppliedMethod applied, TrainConfig c, Map<String, Object> provenance,
                                    RunFolder run, StepListener listener) {
        c = selecting(obj, c);
        long t0 = System.nanoTime();
        Path runDir = run.dir();
        SameDiff sd = obj.sameDiff();
        if (applied.graph().sameDiff() != sd) throw new IllegalArgumentException("the method was applied to another graph");
        List<String> trainable = applied.trainable();
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String n : trainable) params.put(n, sd.getVariable(n).getArr());
        String lossName = obj.prepare(c);

        long stepsPerEpoch;
        {
            // token-budget epochs differ in batch count; the schedule spans the first epoch's count, a pure function of the seed
            BatchSampler first = obj.sampler(c, new RunRng(c.seed()).fork());
            stepsPerEpoch = Math.max(1, (first.batchesPerEpoch() + c.gradAccumulation() - 1) / c.gradAccumulation());
        }
        long totalSteps = c.epochs() * stepsPerEpoch;
        long stopAt = c.maxSteps() == null ? totalSteps : c.maxSteps();
        long evalEvery = c.evalEvery() > 0 ? c.evalEvery() : stepsPerEpoch;
        LrSchedule schedule = schedule(c, totalSteps);
        AdamW opt = AdamW.withHfDecayRule(c.adam());
        Objective.Selection selection = obj.selection(c.select());
        String select = selection.metric();

        long step = 0;
        Double best = null;
        Long bestStep = null;
        Path lastGood = null;
        BatchSampler sampler;
        List<Map<String, Object>> evalHistory = new ArrayList<>();
        List<Map<String, Object>> lossHistory = new ArrayList<>();
        Optional<Path> latest = run.resuming() ? run.latestCheckpoint() : Optional.empty();
        if (latest.isPresent()) {
            Checkpoint.Loaded ck = Checkpoint.read(latest.get());
            Checkpoint.State s = ck.state();
            checkCompatible(s.config().get("train_config"), c, obj.selectBy(), ck.dir());
            assign(params, ck.adapter(), ck.dir());
            opt.importState(ck.optimizer());
            step = s.step();
            best = s.bestMetric();
            bestStep = s.bestStep();
            sampler = obj.resumeSampler(c, s);
            evalHistory.addAll(listOfMaps(s.config().get("eval_history")));
            lossHistory.addAll(listOfMaps(s.config().get("loss_history")));
            lastGood = ck.dir();
        } else {
            sampler = obj.sampler(c, new RunRng(c.seed()).fork());
        }

        createGradientsQuietly(sd);
        long startStep = step;
        long tokens = 0;
        DropoutSeeder seeder = new DropoutSeeder();
        List<org.nd4j.autodiff.listeners.Listener> listenersBefore = new ArrayList<>(sd.getListeners());
        sd.addListeners(seeder);
        try (TrainProgress progress = TrainProgress.start(obj.task() + " " + provenance.getOrDefault("method", ""), stopAt, step, System.out, Math.max(1, stopAt / 20))) {
            while (step < stopAt) {
                GradAccumulator acc = new GradAccumulator();
                double lossSum = 0;
                double weights = 0;
                for (int micro = 0; micro < c.gradAccumulation(); micro++) {
                    int[] idx = sampler.nextBatch();
                    Objective.Micro mb = obj.micro(idx, c);
                    tokens += mb.tokens();
                    Map<String, INDArray> ph = mb.placeholders();
                    seeder.seed(dropoutSeed(c.seed(), step, micro));
                    // cached pass: the step's intermediates go back to SameDiff's array cache for the next step,
                    // so no per-batch System.gc() is needed (see Backprop)
                    Backprop.Result og = Backprop.outputsAndGradients(sd, ph, List.of(lossName), trainable);
                    double loss = og.outputs().get(lossName).getDouble(0);
                    NativeMemory.close(ph.values());
                    NativeMemory.close(og.outputs().values());
                    if (!Double.isFinite(loss)) NativeMemory.close(og.gradients().values());
                    TrainingDivergedException.check(loss, step + 1, lastGood);
                    acc.add(og.gradients(), mb.weight());
                    NativeMemory.close(og.gradients().values());
                    lossSum += loss * mb.weight();
                    weights += mb.weight();
                }
                Map<String, INDArray> grads = acc.average();
                double norm = GradClip.clipByGlobalNorm(grads, c.maxGradNorm());
                if (!Double.isFinite(norm)) {
                    NativeMemory.close(grads.values());
                    throw new TrainingDivergedException(step + 1, norm, lastGood);
                }
                opt.step(params, grads, schedule.lr(step));
                NativeMemory.close(grads.values());
                step++;
                double loss = lossSum / weights;
                lossHistory.add(point(step, "loss", loss));
                double seconds = (System.nanoTime() - t0) / 1e9;
                progress.update(step, loss, tokens / Math.max(seconds, 1e-9));
                listener.afterStep(step, loss);

                boolean evalNow = step % evalEvery == 0 || step == totalSteps;
                if (evalNow) {
                    Map<String, Double> m = obj.evaluate("dev", obj instanceof Objective.Seq2SeqLm ? evalDir(runDir, step) : null, c.labelSmoothing());
                    NativeMemory.releaseUnreachable();   // once per evaluation, not per batch
                    double value = m.get(select);
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("step", step);
                    e.putAll(m);
                    e.put("epoch", epochOf(step, stepsPerEpoch));
                    evalHistory.add(e);
                    if (best == null || (selection.higherIsBetter() ? value > best : value < best)) {
                        best = value;
                        bestStep = step;
                        writeBest(run.bestDir(), params, step, select, value);
                    }
                }
                if (evalNow || step == stopAt) {
                    Map<String, Object> extra = new LinkedHashMap<>();
                    extra.put("train_config", c.toMap());
                    extra.put("eval_history", evalHistory);
                    extra.put("loss_history", lossHistory);
                    Checkpoint.State state = new Checkpoint.State(step, sampler.epoch(), sampler.position(), sampler.epochStartState(),
                            best, bestStep, extra);
                    lastGood = Checkpoint.write(run.checkpointDir(step), toHost(params), opt.exportState(), state);
                    run.prune(step, KEEP_CHECKPOINTS);
                }
            }
        } finally {
            sd.setListeners(listenersBefore);
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;

        // final metrics with the best parameters (the current ones when no evaluation has run yet)
        Path bestFile = run.bestDir().resolve(Checkpoint.ADAPTER);
        if (best != null && Files.isRegularFile(bestFile)) assign(params, Safetensors.read(bestFile), bestFile);
        Map<String, Double> finals = new LinkedHashMap<>();
        Path finalDir = obj instanceof Objective.Seq2SeqLm ? runDir.resolve("evals").resolve("final") : null;
        for (String split : obj.evalSplits()) {
            // the best parameters were scored on dev when chosen (seq2seq: its predictions are in evals/step-N);
            // evaluation is deterministic, so that score and the other metrics of that evaluation stand
            if (split.equals("dev") && best != null) {
                finals.put(split, best);
                Map<String, Object> chosen = evalAt(evalHistory, bestStep);
                if (chosen != null) chosen.forEach((k, v) -> {
                    if (!k.equals("step") && !k.equals("epoch")) finals.put(split + "_" + k, ((Number) v).doubleValue());
                });
                continue;
            }
            Map<String, Double> m = obj.evaluate(split, finalDir, c.labelSmoothing());
            finals.put(split, m.get(select));
            m.forEach((k, v) -> finals.put(split + "_" + k, v));
        }
        double tps = tokens / Math.max(trainSeconds, 1e-9);
        TrainResult result = new TrainResult(best == null ? Double.NaN : best, bestStep == null ? -1 : bestStep, finals, step,
                (System.nanoTime() - t0) / 1e9, tps);
        report(obj, applied, c, select, provenance, evalHistory, lossHistory, result, step - startStep).write(runDir);
        return result;
    }

    /**
     * {@code c} with its selection checked against the objective (a name it does not evaluate is refused before
     * anything runs) and the objective's own metric written as null, so that naming it changes no run's identity.
     */
    static TrainConfig selecting(Objective obj, TrainConfig c) {
        obj.selection(c.select());
        return c.select() != null && c.select().equals(obj.selectBy()) ? c.withSelect(null) : c;
    }

    /** {@code runDir/evals/step-N}: one evaluation's predictions and metrics. */
    public static Path evalDir(Path runDir, long step) {
        return runDir.resolve("evals").resolve("step-" + step);
    }

    /** Builds the gradient function once, without SameDiff's per-op chatter on stdout. */
    public static void createGradientsQuietly(SameDiff sd) {
        if (sd.getFunction("grad") != null) return;
        DropSameDiffChatter.install();
        sd.createGradFunction();
    }

    /**
     * SameDiff M2.1's createGradFunction prints one "Added differentiated op" line per op to System.out. Swapping
     * System.out for the duration is not safe when runs train side by side (petl compare --jobs), so stdout gets a
     * filter, installed once, that drops exactly those lines and passes everything else.
     */
    static final class DropSameDiffChatter extends java.io.PrintStream {
        private static final String PREFIX = "Added differentiated op";

        private DropSameDiffChatter(java.io.PrintStream out) {
            super(out, true);
        }

        static synchronized void install() {
            if (!(System.out instanceof DropSameDiffChatter)) System.setOut(new DropSameDiffChatter(System.out));
        }

        @Override
        public void println(String x) {
            if (x == null || !x.startsWith(PREFIX)) super.println(x);
        }

        @Override
        public void println(Object x) {
            if (!(x instanceof String str && str.startsWith(PREFIX))) super.println(x);
        }
    }

    /** Length proxy for grouping batches: characters of the text (and pair), no tokenizer pass needed. */
    static int[] lengths(Dataset ds) {
        int[] l = new int[ds.size()];
        for (int i = 0; i < l.length; i++) {
            Example e = ds.get(i);
            l[i] = e.text().length() + (e.hasPair() ? e.textPair().length() : 0);
        }
        return l;
    }

    /** Accuracy of argmax(logits) on {@code ds}, without dropout, in batches of {@code batchSize}; no loss. */
    public static Evaluation evaluate(EncoderGraph graph, Dataset ds, Batcher batcher, int batchSize) {
        return evaluate(graph, ds, batcher, batchSize, null);
    }

    /**
     * The same, and on a labelled set the mean over examples of the graph's loss with targets smoothed by
     * {@code labelSmoothing} (the training loss without dropout); null skips the loss.
     */
    public static Evaluation evaluate(EncoderGraph graph, Dataset ds, Batcher batcher, int batchSize, Double labelSmoothing) {
        SameDiff sd = graph.sameDiff();
        int[] preds = new int[ds.size()];
        int correct = 0;
        boolean withLoss = labelSmoothing != null && ds.isLabeled() && ds.size() > 0;
        double lossSum = 0;
        // batches of similar length pad less; predictions go back to dataset order
        int[] len = lengths(ds);
        Integer[] byLength = new Integer[ds.size()];
        for (int i = 0; i < byLength.length; i++) byLength[i] = i;
        java.util.Arrays.sort(byLength, (a, b) -> Integer.compare(len[a], len[b]));
        for (int from = 0; from < ds.size(); from += batchSize) {
            int to = Math.min(from + batchSize, ds.size());
            List<Example> ex = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) ex.add(ds.get(byLength[i]));
            Map<String, INDArray> ph = batcher.encode(ex).placeholders(graph.config(), graph.keepProbability(false));
            Map<String, INDArray> out;
            if (withLoss) {
                ph.put("labels", targets(ex.stream().mapToInt(Example::label).toArray(), graph.options().head().numLabels(), labelSmoothing));
                out = sd.output(ph, "logits", "loss");
                lossSum += out.get("loss").getDouble(0) * ex.size();   // the graph's loss is a mean over the batch
            } else {
                out = sd.output(ph, "logits");
            }
            float[][] logits = out.get("logits").toFloatMatrix();
            NativeMemory.close(ph.values());
            NativeMemory.close(out.values());
            for (int i = 0; i < logits.length; i++) {
                int arg = 0;
                for (int k = 1; k < logits[i].length; k++) if (logits[i][k] > logits[i][arg]) arg = k;
                preds[byLength[from + i]] = arg;
                if (ex.get(i).label() == arg) correct++;
            }
        }
        return new Evaluation(ds.isLabeled() ? (double) correct / ds.size() : Double.NaN, withLoss ? lossSum / ds.size() : Double.NaN, preds);
    }

    /** Soft targets (1−ε)·onehot + ε/C, [B, C]: with the graph's −Σ t·log p this is PyTorch's label-smoothed CE. */
    public static INDArray targets(int[] labels, int numLabels, double epsilon) {
        float[] t = new float[labels.length * numLabels];
        float off = (float) (epsilon / numLabels);
        float on = (float) (1 - epsilon + epsilon / numLabels);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numLabels) throw new IllegalArgumentException("label " + labels[i] + " out of range for " + numLabels + " classes");
            for (int k = 0; k < numLabels; k++) t[i * numLabels + k] = k == labels[i] ? on : off;
        }
        return Nd4j.create(t, new long[]{labels.length, numLabels}, 'c');
    }

    /** The ND4J RNG seed for one micro-step: a pure function of the run seed and position, so a resume repeats it. */
    static long dropoutSeed(long seed, long step, int micro) {
        long x = seed * 0x9E3779B97F4A7C15L + step;
        x = x * 0xBF58476D1CE4E5B9L + micro;
        return new RunRng(x).nextLong();
    }

    static LrSchedule schedule(TrainConfig c, long totalSteps) {
        long warmup = LrSchedule.warmupFromRatio(c.warmupRatio(), totalSteps);
        return switch (c.schedule()) {
            case "linear" -> new LrSchedule.Linear(c.lr(), warmup, totalSteps);
            case "constant" -> new LrSchedule.Constant(c.lr(), warmup);
            case "polynomial" -> new LrSchedule.Polynomial(c.lr(), warmup, totalSteps, 1.0, 0.0);
            default -> throw new IllegalArgumentException("unknown schedule " + c.schedule());
        };
    }

    // ---------------------------------------------------------------- helpers

    private static int epochOf(long step, long stepsPerEpoch) {
        return (int) ((step - 1) / stepsPerEpoch);
    }

    private static Map<String, Object> point(long step, String key, double value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put(key, value);
        return m;
    }

    /** The evaluation of {@code step} in the history (null if it is not there). */
    private static Map<String, Object> evalAt(List<Map<String, Object>> history, Long step) {
        if (step == null) return null;
        for (Map<String, Object> e : history) if (((Number) e.get("step")).longValue() == step) return e;
        return null;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOfMaps(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    static Map<String, HostTensor> toHost(Map<String, INDArray> params) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, AdamW.toHost(v)));
        return out;
    }

    /** Copies stored values into the graph's arrays in place (the graph keeps reading the same buffers). */
    private static void assign(Map<String, INDArray> params, Map<String, HostTensor> values, Path from) {
        if (!values.keySet().equals(params.keySet())) {
            throw new IllegalStateException(from + " holds " + new java.util.TreeSet<>(values.keySet()) + ", the method trains "
                    + new java.util.TreeSet<>(params.keySet()));
        }
        for (var e : params.entrySet()) {
            HostTensor t = values.get(e.getKey());
            if (!t.sameShape(e.getValue().shape())) {
                throw new IllegalStateException(from + ": " + e.getKey() + " has shape " + t.shapeString() + ", the graph " + java.util.Arrays.toString(e.getValue().shape()));
            }
            INDArray src = Nd4j.create(t.data(), t.shape(), 'c');
            e.getValue().assign(src);
            src.close();
        }
    }

    private static void writeBest(Path dir, Map<String, INDArray> params, long step, String metricName, double metric) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Safetensors.write(dir.resolve(Checkpoint.ADAPTER), toHost(params),
                Map.of("format", "petl-adapter", "step", Long.toString(step), "dev_" + metricName, Double.toString(metric)));
    }

    /**
     * A resumed run must train with the same hyperparameters; only where it stops may differ. Keys that
     * {@link TrainConfig#toMap()} leaves out at their defaults are compared at those defaults, so the refusal names
     * what changed ("adam_beta2 0.999 -> 0.98"), and an explicit default equals an omitted one.
     */
    @SuppressWarnings("unchecked")
    private static void checkCompatible(Object saved, TrainConfig c, String defaultSelect, Path dir) {
        if (saved == null) throw new IllegalStateException(dir + " has no train_config to resume with");
        try {
            // through JSON both ways, so number types compare equal (42 int vs 42L)
            Map<String, Object> was = withDefaults(JSON.readValue(JSON.writeValueAsString(saved), Map.class), defaultSelect);
            Map<String, Object> now = withDefaults(JSON.readValue(JSON.writeValueAsString(c.toMap()), Map.class), defaultSelect);
            String diff = RunFolder.differences(was, now);
            if (!diff.isEmpty()) {
                throw new IllegalStateException("cannot resume from " + dir + ": it was trained with other settings (" + diff
                        + "); resume with the same options, or start a new run with another --out");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> withDefaults(Map<String, Object> m, String defaultSelect) {
        Map<String, Object> out = new java.util.TreeMap<>(m);
        out.putIfAbsent("adam_beta1", TrainConfig.ADAM_BETA1);
        out.putIfAbsent("adam_beta2", TrainConfig.ADAM_BETA2);
        out.putIfAbsent("adam_eps", TrainConfig.ADAM_EPS);
        out.putIfAbsent("select", defaultSelect);
        return out;
    }

    private static MetricsReport report(Objective obj, org.petl.core.method.AppliedMethod applied, TrainConfig tc, String select, Map<String, Object> provenance,
                                        List<Map<String, Object>> evals, List<Map<String, Object>> losses, TrainResult r, long sessionSteps) {
        MetricsReport rep = new MetricsReport();
        Map<String, Object> config = new LinkedHashMap<>(tc.toMap());
        config.put("task", obj.task());
        config.put("method", applied.method().spec());
        config.put("full_fine_tuning", applied.method().fullFineTuning());
        config.putAll(obj.describe());
        config.put("provenance", provenance);
        rep.config(config);
        long trainableCount = applied.trainableCount(), base = applied.baseCount();
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("trainable", trainableCount);
        counts.put("base", base);
        counts.put("trainable_percent", 100.0 * trainableCount / base);
        counts.put("stored", applied.storedCount());
        rep.parameterCounts(counts);
        rep.seed("train", tc.seed());
        if (obj instanceof Objective.Classification cl) rep.seed("init", cl.graph().options().seed());
        obj.dataHashes().forEach(rep::dataHash);
        rep.devMetric(select);
        for (Map<String, Object> e : evals) {
            Map<String, Double> m = new LinkedHashMap<>();
            e.forEach((k, v) -> {
                if (!k.equals("step") && !k.equals("epoch")) m.put(k, ((Number) v).doubleValue());
            });
            rep.addEval(((Number) e.get("step")).longValue(), ((Number) e.get("epoch")).intValue(), m);
        }
        for (Map<String, Object> l : losses) rep.addLoss(((Number) l.get("step")).longValue(), ((Number) l.get("loss")).doubleValue());
        Map<String, Object> fin = new LinkedHashMap<>(r.finalMetrics());
        fin.put("best_dev_" + select, r.bestDevMetric());
        fin.put("best_step", r.bestStep());
        fin.put("steps", r.steps());
        fin.put("session_steps", sessionSteps);
        fin.put("wall_seconds", r.wallSeconds());
        fin.put("tokens_per_second", r.tokensPerSecond());
        rep.finalMetrics(fin);
        return rep;
    }
}
