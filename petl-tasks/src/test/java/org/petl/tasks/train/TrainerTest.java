package org.petl.tasks.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.io.Safetensors;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Bottleneck;
import org.petl.core.method.Composition;
import org.petl.core.method.Insertion;
import org.petl.core.method.Modification;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Placement;
import org.petl.core.method.Rewriter;
import org.petl.core.site.Site;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.data.Example;
import org.petl.tasks.data.Provenance;
import org.petl.tasks.data.TaskData;

/** The training loop on the tiny RoBERTa and a toy task: label = whether word w7 occurs. */
class TrainerTest {

    static final EncoderConfig CFG = new EncoderConfig(EncoderConfig.Family.ROBERTA, 2, 32, 4, 64, 120, 64, 1, 1e-5, "gelu", 1);
    static Map<String, HostTensor> weights;
    static TaskData data;

    /** Toy tokenizer: "w<n>" → 3 + n mod 117, with bos 0, eos 2, padded with 1. */
    static final Batcher BATCHER = examples -> {
        int len = 0;
        List<int[]> rows = new ArrayList<>();
        for (Example e : examples) {
            String[] words = e.text().split(" ");
            int[] ids = new int[words.length + 2];
            ids[0] = 0;
            for (int i = 0; i < words.length; i++) ids[i + 1] = 3 + Integer.parseInt(words[i].substring(1)) % 117;
            ids[ids.length - 1] = 2;
            rows.add(ids);
            len = Math.max(len, ids.length);
        }
        int[][] ids = new int[rows.size()][len], mask = new int[rows.size()][len];
        for (int b = 0; b < rows.size(); b++) {
            java.util.Arrays.fill(ids[b], 1);
            System.arraycopy(rows.get(b), 0, ids[b], 0, rows.get(b).length);
            for (int t = 0; t < rows.get(b).length; t++) mask[b][t] = 1;
        }
        return new EncoderBatch(ids, null, mask);
    };

    @BeforeAll
    static void load() {
        Path shared = Path.of(System.getProperty("petl.shared", "../../shared"));
        weights = new LinkedHashMap<>();
        Safetensors.read(shared.resolve("golden/petl-reference/roberta/base.safetensors"))
                .forEach((k, v) -> weights.put(k.startsWith("roberta.") ? k.substring(8) : k, v));
        data = new TaskData("toy", toy("toy/train", 48, 1), toy("toy/dev", 16, 2), Map.of("test", toy("toy/test", 16, 3)));
    }

    static Dataset toy(String name, int n, long seed) {
        Random r = new Random(seed);
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            int len = 3 + r.nextInt(5);
            List<String> words = new ArrayList<>();
            for (int k = 0; k < len; k++) {
                int w;
                do w = 10 + r.nextInt(60); while (w == 7);
                words.add("w" + w);
            }
            if (label == 1) words.set(r.nextInt(len), "w7");
            ex.add(Example.single(String.join(" ", words), label));
        }
        return new Dataset(name, ex, List.of("no", "yes"), new Provenance(Path.of(name), "sha-" + name.replace('/', '-')));
    }

    static final PetlMethod LORA = PetlMethod.of("lora", new Modification.Delta("lora", Bottleneck.lora(4),
            Placement.attention(Site.Point.Q, Site.Point.V), Insertion.PROJECTION_PARALLEL, new Composition.Scaled(2)));

    static TrainJob job(PetlMethod method, double dropout, TrainConfig config) {
        EncoderGraph g = EncoderGraph.build(CFG, weights,
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.CLS, true), method.fullFineTuning(), dropout, dropout, 7));
        AppliedMethod applied = Rewriter.apply(g, method, 11);
        return new TrainJob(g, applied, data, BATCHER, config, Map.of("test", true));
    }

    static TrainConfig small() {
        return TrainConfig.defaults().withLr(5e-3).withBatch(8, 1).withEpochs(4).withEvalEvery(3).withSchedule("linear", 0.1).withSeed(3);
    }

    static Map<String, float[]> trainables(TrainJob j) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (String n : j.applied().trainable()) m.put(n, j.graph().sameDiff().getVariable(n).getArr().dup().data().asFloat());
        return m;
    }

    static void assertSameParams(Map<String, float[]> a, Map<String, float[]> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String n : a.keySet()) assertArrayEquals(a.get(n), b.get(n), 0f, n);
    }

    /** Mean training loss without dropout and smoothing over the whole train set. */
    static double trainLoss(TrainJob j) {
        EncoderGraph g = j.graph();
        List<Example> ex = data.train().examples();
        Map<String, INDArray> ph = BATCHER.encode(ex).placeholders(CFG, 1f);
        ph.put("labels", Trainer.targets(ex.stream().mapToInt(Example::label).toArray(), 2, 0));
        return g.sameDiff().output(ph, "loss").get("loss").getDouble(0);
    }

    @Test
    void fewStepsLowerTheLoss(@TempDir Path dir) throws Exception {
        TrainJob j = job(LORA, 0.0, small().withMaxSteps(12L));
        double before = trainLoss(j);
        TrainResult r = Trainer.train(j, dir, false);
        double after = trainLoss(j);
        assertTrue(after < before - 0.05, "loss " + before + " -> " + after);
        assertEquals(12, r.steps());
        assertTrue(r.finalMetrics().containsKey("dev") && r.finalMetrics().containsKey("test"), r.finalMetrics().toString());
        assertTrue(Files.isRegularFile(dir.resolve(MetricsReport.METRICS_JSON)));
        assertTrue(Files.isRegularFile(dir.resolve(MetricsReport.CURVE_PNG)));
        assertTrue(Files.isRegularFile(dir.resolve("best/adapter.safetensors")));
        String json = Files.readString(dir.resolve(MetricsReport.METRICS_JSON));
        assertTrue(json.contains("\"trainable_percent\"") && json.contains("sha-toy-train") && json.contains("\"eval_history\""), json);
    }

    @Test
    void sameSeedRepeatsBitForBitWithDropout(@TempDir Path dir) {
        TrainConfig c = small().withMaxSteps(4L);
        TrainJob a = job(LORA, 0.1, c), b = job(LORA, 0.1, c);
        TrainResult ra = Trainer.train(a, dir.resolve("a"), false);
        TrainResult rb = Trainer.train(b, dir.resolve("b"), false);
        assertSameParams(trainables(a), trainables(b));
        assertEquals(ra.finalMetrics(), rb.finalMetrics());
        assertEquals(ra.bestDevMetric(), rb.bestDevMetric());
    }

    @Test
    void resumeEqualsUninterrupted(@TempDir Path dir) {
        TrainConfig c = small().withEvalEvery(2).withMaxSteps(8L);
        TrainJob straight = job(LORA, 0.1, c);
        TrainResult rs = Trainer.train(straight, dir.resolve("straight"), false);

        Path run = dir.resolve("resumed");
        TrainResult half = Trainer.train(job(LORA, 0.1, c.withMaxSteps(4L)), run, false);
        assertEquals(4, half.steps());
        TrainJob resumed = job(LORA, 0.1, c); // a fresh process: new graph, state only from disk
        TrainResult rr = Trainer.train(resumed, run, true);
        assertEquals(8, rr.steps());
        assertSameParams(trainables(straight), trainables(resumed));
        assertEquals(rs.finalMetrics(), rr.finalMetrics());
        assertEquals(rs.bestStep(), rr.bestStep());
        // the last resumable checkpoints agree too (these are the last parameters, not the best ones)
        Map<String, HostTensor> x = Checkpoint.read(dir.resolve("straight/checkpoint-8")).adapter();
        Map<String, HostTensor> y = Checkpoint.read(run.resolve("checkpoint-8")).adapter();
        for (String n : x.keySet()) assertArrayEquals(x.get(n).data(), y.get(n).data(), 0f, n);
    }

    @Test
    void divergenceStopsNamingStepAndLastGoodCheckpoint(@TempDir Path dir) {
        TrainJob j = job(LORA, 0.0, small().withLr(1e30).withSchedule("constant", 0).withEvalEvery(1).withMaxSteps(10L));
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> Trainer.train(j, dir, false));
        assertTrue(e.step() >= 2, e.getMessage());
        Path good = e.lastGoodCheckpoint().orElseThrow();
        assertEquals(Checkpoint.dirFor(dir, e.step() - 1).toAbsolutePath().normalize(), good);
        assertTrue(Checkpoint.isComplete(good));
        assertTrue(e.getMessage().contains("step " + e.step()) && e.getMessage().contains(good.toString()), e.getMessage());
    }

    @Test
    void gradientsReachOnlyTheTrainables(@TempDir Path dir) {
        TrainJob j = job(LORA, 0.0, small().withMaxSteps(3L));
        var sd = j.graph().sameDiff();
        Set<String> variables = new HashSet<>();
        for (SDVariable v : sd.variables()) if (v.getVariableType() == VariableType.VARIABLE) variables.add(v.name());
        assertEquals(Set.copyOf(j.applied().trainable()), variables);
        List<Example> ex = data.train().examples().subList(0, 4);
        Map<String, INDArray> ph = BATCHER.encode(ex).placeholders(CFG, 1f);
        ph.put("labels", Trainer.targets(new int[]{0, 1, 0, 1}, 2, 0.1));
        assertEquals(Set.copyOf(j.applied().trainable()), sd.calculateGradients(ph, variables).keySet());

        String base = "encoder.layer.0.attention.self.query.weight";
        float[] before = sd.getVariable(base).getArr().dup().data().asFloat();
        Map<String, float[]> trainBefore = trainables(j);
        Trainer.train(j, dir, false);
        assertArrayEquals(before, sd.getVariable(base).getArr().dup().data().asFloat(), 0f);
        Map<String, float[]> trainAfter = trainables(j);
        assertTrue(trainBefore.keySet().stream().anyMatch(n -> !java.util.Arrays.equals(trainBefore.get(n), trainAfter.get(n))));
    }

    @Test
    void graphLossIsLabelSmoothedCrossEntropy() {
        TrainJob j = job(LORA, 0.0, small());
        List<Example> ex = data.dev().examples().subList(0, 8);
        int[] labels = ex.stream().mapToInt(Example::label).toArray();
        for (double eps : new double[]{0.0, 0.1, 0.3}) {
            Map<String, INDArray> ph = BATCHER.encode(ex).placeholders(CFG, 1f);
            ph.put("labels", Trainer.targets(labels, 2, eps));
            Map<String, INDArray> out = j.graph().sameDiff().output(ph, "logits", "loss");
            double ref = CrossEntropy.labelSmoothed(out.get("logits"), labels, eps);
            assertEquals(ref, out.get("loss").getDouble(0), 1e-6, "eps " + eps);
        }
    }

    /**
     * β1, β2 and ε of the train config are the optimizer's: after one step (no decay, constant lr) the checkpoint's
     * moments are m = (1−β1)·g and v = (1−β2)·g², and every parameter moved by lr·g/(|g| + ε).
     */
    @Test
    void adamSettingsReachTheOptimizer(@TempDir Path dir) {
        double lr = 2e-3, b1 = 0.8, b2 = 0.98, eps = 1e-3;
        TrainConfig c = new TrainConfig(4, lr, 8, 1, 0, 0, 1.0, 0, 100, 3L, "constant", 1L, b1, b2, eps, null);
        TrainJob j = job(LORA, 0.0, c);
        Map<String, float[]> before = trainables(j);
        Trainer.train(j, dir, false);
        Checkpoint.Loaded ck = Checkpoint.read(dir.resolve("checkpoint-1"));
        assertEquals(0.98, ((Map<?, ?>) ck.state().config().get("train_config")).get("adam_beta2"));
        int moved = 0;
        for (String n : before.keySet()) {
            float[] m = ck.optimizer().get(n + AdamW.M_SUFFIX).data(), v = ck.optimizer().get(n + AdamW.V_SUFFIX).data();
            float[] p0 = before.get(n), p1 = ck.adapter().get(n).data();
            for (int i = 0; i < m.length; i++) {
                double g = m[i] / (1 - b1), vWant = (1 - b2) * g * g;
                assertEquals(vWant, v[i], 1e-5 * vWant + 1e-30, n + "[" + i + "]: v = (1-β2)·g²");
                assertEquals(p0[i] - lr * g / (Math.abs(g) + eps), p1[i], 1e-6, n + "[" + i + "]: step lr·g/(|g|+ε)");
                if (Math.abs(g) > 1e-4) moved++;
            }
        }
        assertTrue(moved > 10, "only " + moved + " gradients above 1e-4");
    }

    /**
     * {@code select loss}: every evaluation records the dev loss (label-smoothed as in training, a mean over
     * examples), the best checkpoint is the lowest one, and the final metrics carry the best step's accuracy.
     */
    @Test
    void selectLossKeepsTheLowestDevLoss(@TempDir Path dir) throws Exception {
        TrainConfig c = small().withLr(3e-2).withEvalEvery(1).withLabelSmoothing(0.1).withMaxSteps(10L).withSelect("loss");
        TrainJob j = job(LORA, 0.0, c);
        TrainResult r = Trainer.train(j, dir, false);
        com.fasterxml.jackson.databind.JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve(MetricsReport.METRICS_JSON).toFile());
        com.fasterxml.jackson.databind.JsonNode history = m.get("eval_history");
        assertEquals(10, history.size());
        long argmin = -1;
        double min = Double.POSITIVE_INFINITY, accAtMin = Double.NaN, maxLoss = 0;
        for (com.fasterxml.jackson.databind.JsonNode e : history) {
            double loss = e.get("metrics").get("loss").asDouble();
            assertTrue(e.get("metrics").has("accuracy"), e.toString());
            maxLoss = Math.max(maxLoss, loss);
            if (loss < min) {
                min = loss;
                argmin = e.get("step").asLong();
                accAtMin = e.get("metrics").get("accuracy").asDouble();
            }
        }
        assertTrue(maxLoss > min, "the dev loss changed over the run");
        assertEquals(argmin, r.bestStep());
        assertEquals(min, r.bestDevMetric(), 0);
        assertEquals(min, m.get("final").get("best_dev_loss").asDouble(), 0);
        assertEquals(accAtMin, r.finalMetrics().get("dev_accuracy"), 0);
        assertTrue(r.finalMetrics().containsKey("test_accuracy") && r.finalMetrics().containsKey("test_loss"), r.finalMetrics().toString());
        assertEquals("loss", m.get("config").get("select").asText());
        // the graph now holds the best parameters: their dev loss by the reference cross entropy is the selected one
        List<Example> dev = data.dev().examples();
        Map<String, INDArray> ph = BATCHER.encode(dev).placeholders(CFG, 1f);
        INDArray logits = j.graph().sameDiff().output(ph, "logits").get("logits");
        assertEquals(CrossEntropy.labelSmoothed(logits, dev.stream().mapToInt(Example::label).toArray(), 0.1), min, 1e-5);
    }

    @Test
    void resumeWithOtherAdamSettingsOrSelectionIsRefused(@TempDir Path dir) {
        TrainConfig c = small().withEvalEvery(2).withMaxSteps(2L).withAdam(0.9, 0.98, 1e-6);
        Trainer.train(job(LORA, 0.0, c), dir, false);
        Map<String, TrainConfig> changed = Map.of("adam_beta2 0.98 -> default", c.withAdam(0.9, 0.999, 1e-6), "adam_eps", c.withAdam(0.9, 0.98, 1e-8),
                "adam_beta1", c.withAdam(0.8, 0.98, 1e-6), "select default -> loss", c.withSelect("loss"));
        changed.forEach((what, other) -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Trainer.train(job(LORA, 0.0, other.withMaxSteps(4L)), dir, true));
            assertTrue(e.getMessage().startsWith("cannot resume") && !e.getMessage().contains("\n") && e.getMessage().contains(what), e.getMessage());
        });
        // the same settings resume; naming the task's own metric changes nothing
        assertEquals(4, Trainer.train(job(LORA, 0.0, c.withSelect("accuracy").withMaxSteps(4L)), dir, true).steps());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Trainer.train(job(LORA, 0.0, c.withSelect("rouge2")), dir.resolve("bad"), false));
        assertEquals("--select rouge2: toy selects by accuracy or loss", bad.getMessage());
    }

    /** Off-heap memory stays flat over a long loop: SameDiff's per-step arrays are freed, not left to the GC. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void offHeapStaysFlat(@TempDir Path dir) {
        long[] at = new long[4];
        TrainJob j = job(LORA, 0.1, small().withEpochs(40).withEvalEvery(50).withMaxSteps(200L));
        long t0 = System.nanoTime();
        Trainer.train(j, dir, false, (step, loss) -> {
            if (step == 10) at[0] = Pointer.physicalBytes();
            if (step == 10) at[2] = Pointer.totalBytes();
            if (step == 100) at[3] = Pointer.physicalBytes();
            if (step == 200) at[1] = Pointer.physicalBytes();
        });
        double msPerStep = (System.nanoTime() - t0) / 1e6 / 200;
        System.out.printf("off-heap: physical %,d at step 10, %,d at 100, %,d at 200 (javacpp totalBytes at 10: %,d, at end %,d); %.1f ms/step%n",
                at[0], at[3], at[1], at[2], Pointer.totalBytes(), msPerStep);
        assertTrue(at[1] - at[0] < 150L << 20, "off-heap grew by " + ((at[1] - at[0]) >> 20) + " MB over 190 steps");
    }
}
