package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.core.site.Backprop;
import org.petl.core.site.NativeMemory;
import org.petl.core.site.SplitGradientMmul;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Training-step cost (forward + backward, no optimizer) on the real all-MiniLM-L6-v2, per method, as the trainer
 * runs it (petl's split matmul backward, the cached pass of {@link Backprop}, outputs and gradients closed, no GC).
 * Beside it, taking turns, one alternative per method ({@code --against}): SameDiff's fused matmul backward (which
 * also computes the gradients of frozen weights), or SameDiff's uncached {@code calculateGradientsAndOutputs} with
 * the {@code System.gc()} per step that it needs. Ratios in one run: the step over the alternative, and each method
 * over full fine-tuning. Not a test: timings depend on the machine.
 */
@Command(name = "bench-step", mixinStandardHelpOptions = true,
        description = "Time MiniLM training steps per method, split vs fused matmul backward; prints a JSON line.")
public final class StepBenchmark implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--methods", defaultValue = "full;lora:r=8,s=2;mam:l=16,r=16,s=2,mid=0",
            description = "methods separated by ';' (default ${DEFAULT-VALUE})") String methods;
    @Option(names = "--sentences", defaultValue = "32", description = "sentences per batch (default ${DEFAULT-VALUE})") int sentences;
    @Option(names = "--reps", defaultValue = "5", description = "steps per timing (default ${DEFAULT-VALUE})") int reps;
    @Option(names = "--max-len", defaultValue = "64", description = "tokenizer truncation (default ${DEFAULT-VALUE})") int maxLen;
    @Option(names = "--peer", description = "also run the PyTorch peer (petl-bench/peer/step.py), taking turns with petl in child processes")
    boolean peer;
    @Option(names = "--threads", defaultValue = "1,2", split = ",", description = "with --peer: thread counts (default ${DEFAULT-VALUE})")
    List<Integer> threads;
    @Option(names = "--alternations", defaultValue = "2", description = "with --peer: petl/torch turns per thread count; medians (default ${DEFAULT-VALUE})")
    int alternations;
    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "with --peer: the Python with torch (default ${DEFAULT-VALUE})")
    String python;
    @Option(names = "--peer-script", description = "with --peer: path of step.py (default: found beside the jar)")
    Path peerScript;
    @Option(names = "--split-only", hidden = true, description = "time only petl's split backward (the peer's child runs)")
    boolean splitOnly;
    @Option(names = "--against", defaultValue = "fused",
            description = "what each method's step is timed against: fused (SameDiff's own matmul and add backward), uncached "
                    + "(SameDiff's calculateGradientsAndOutputs + System.gc() per step, the trainer before Backprop) or none (default ${DEFAULT-VALUE})")
    Against against;
    @Option(names = "--op-profile", defaultValue = "0",
            description = "after the timings, record this many steps per method op by op and print each method's top ops (time per step, count, share), default 0 = off")
    int opProfile;
    @Option(names = "--op-shapes", description = "with --op-profile: one row per op type and output shape")
    boolean opShapes;
    @Option(names = "--uncached", description = "time the steps as SameDiff runs them (uncached pass + System.gc()), e.g. to measure its peak memory alone")
    boolean uncached;

    enum Against { fused, uncached, none }

    private record Setup(String spec, EncoderGraph graph, List<String> trainable, boolean cached) {
    }

    @Override
    public Integer call() throws Exception {
        if (sentences <= 0 || reps <= 0) throw new IllegalArgumentException("--sentences and --reps must be positive");
        if (peer) return PeerComparison.run(this);
        PretrainedEncoder model = ModelStore.resolve("minilm-l6");
        EncoderBatch batch = EncoderBatch.of(model.tokenizer().encode(MergeBenchmark.texts(sentences), maxLen));
        Map<String, INDArray> in = new HashMap<>(batch.placeholders(model.config(), 1f));
        float[][] y = new float[batch.batchSize()][2];
        for (int i = 0; i < y.length; i++) y[i][i % 2] = 1f;
        in.put("labels", Nd4j.createFromArray(y));

        Against alt = splitOnly ? Against.none : against;
        List<Setup> setups = new ArrayList<>();
        for (String spec : methods.split(";")) {
            PetlMethod m = Methods.parse(spec.strip());
            setups.add(setup(model, m, false, !uncached));
            switch (alt) {
                case fused -> setups.add(SplitGradientMmul.withFusedBackward(() -> setup(model, m, true, !uncached)));
                case uncached -> setups.add(setup(model, m, false, false));
                case none -> { }
            }
        }
        double[] s = bestOf3(in, setups);
        int stride = alt == Against.none ? 1 : 2;
        ArrayNode rows = JSON.createArrayNode();
        Double fullSplit = null;
        for (int k = 0; k < setups.size(); k += stride) {
            if (setups.get(k).spec().equals("full")) fullSplit = s[k];
        }
        for (int k = 0; k < setups.size(); k += stride) {
            ObjectNode r = rows.addObject();
            r.put("method", setups.get(k).spec());
            r.put("split_s_per_step", s[k]);
            r.put("step", uncached ? "uncached" : "cached");
            if (alt != Against.none) {
                r.put(alt + "_s_per_step", s[k + 1]);
                r.put("ratio_split_over_" + alt, s[k] / s[k + 1]);
            }
            if (fullSplit != null) r.put("ratio_over_full_split", s[k] / fullSplit);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model.name());
        o.put("sentences", batch.batchSize());
        o.put("tokens_per_sentence_padded", batch.length());
        o.put("reps", reps);
        o.set("methods", rows);
        o.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        o.put("threads", Integer.parseInt(System.getenv().getOrDefault("OMP_NUM_THREADS", "0")));
        o.put("peak_rss_mib", PeerComparison.peakRssMib());
        o.set("gemm_gflops", PeerComparison.nd4jGemmFloor(batch.batchSize() * batch.length()));
        if (opProfile > 0) o.set("op_profile", opProfile(in, setups, stride));
        System.out.println(JSON.writeValueAsString(o));
        return 0;
    }

    /** Per method: the step's wall time with a timing listener on, the ops' summed time, and the top op types. */
    private ArrayNode opProfile(Map<String, INDArray> in, List<Setup> setups, int stride) {
        ArrayNode out = JSON.createArrayNode();
        for (int k = 0; k < setups.size(); k += stride) {
            Setup s = setups.get(k);
            OpTimes times = new OpTimes(opShapes);
            s.graph().sameDiff().setListeners(times);
            step(s, in);
            times.clear();
            long t0 = System.nanoTime();
            for (int i = 0; i < opProfile; i++) step(s, in);
            double wall = (System.nanoTime() - t0) / 1e9 / opProfile;
            s.graph().sameDiff().setListeners();
            List<OpTimes.Row> rows = times.rows(opProfile);
            double inOps = rows.stream().mapToDouble(OpTimes.Row::seconds).sum();
            long count = rows.stream().mapToLong(OpTimes.Row::count).sum();
            ObjectNode m = out.addObject();
            m.put("method", s.spec());
            m.put("s_per_step", wall);
            m.put("ops_per_step", count);
            m.put("s_in_ops", inOps);
            m.put("s_between_ops", wall - inOps);
            ArrayNode top = m.putArray("top");
            for (OpTimes.Row r : rows.subList(0, Math.min(25, rows.size()))) {
                ObjectNode t = top.addObject();
                t.put("op", r.op());
                t.put("count", r.count());
                t.put("s", r.seconds());
                t.put("share", r.seconds() / wall);
            }
        }
        return out;
    }

    private static Setup setup(PretrainedEncoder model, PetlMethod m, boolean fused, boolean cached) {
        EncoderGraph g = EncoderGraph.build(model.config(), model.weights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.MEAN, false), m.fullFineTuning(), 0, 0, 7));
        AppliedMethod a = Rewriter.apply(g, m, 1);
        // the gradient graph is built now, while the fused/split choice of this setup is in force
        org.petl.tasks.train.Trainer.createGradientsQuietly(g.sameDiff());
        return new Setup(m.spec() + (fused ? " (fused)" : cached ? "" : " (uncached)"), g, a.trainable(), cached);
    }

    private static void step(Setup s, Map<String, INDArray> in) {
        if (s.cached()) {
            Backprop.Result r = Backprop.outputsAndGradients(s.graph().sameDiff(), in, List.of("loss"), s.trainable());
            NativeMemory.close(r.outputs().values());
            NativeMemory.close(r.gradients().values());
        } else {
            s.graph().sameDiff().calculateGradientsAndOutputs(in, List.of("loss"), s.trainable());
            NativeMemory.releaseUnreachable();
        }
    }

    /** One warm-up round, then three rounds with the setups taking turns; best round per setup, seconds per step. */
    private double[] bestOf3(Map<String, INDArray> in, List<Setup> setups) {
        for (Setup s : setups) for (int i = 0; i < 2; i++) step(s, in);
        long[] best = new long[setups.size()];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < setups.size(); k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) step(setups.get(k), in);
                best[k] = Math.min(best[k], System.nanoTime() - t0);
            }
        }
        double[] out = new double[setups.size()];
        for (int k = 0; k < setups.size(); k++) out[k] = best[k] / 1e9 / reps;
        return out;
    }
}
