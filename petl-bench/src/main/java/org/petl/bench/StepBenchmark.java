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
    @Option(names = "--op-top", defaultValue = "25", description = "with --op-profile: rows shown per method (default ${DEFAULT-VALUE})")
    int opTop;
    @Option(names = "--op-shapes", description = "with --op-profile: one row per op type and output shape")
    boolean opShapes;
    @Option(names = "--uncached", description = "time the steps as SameDiff runs them (uncached pass + System.gc()), e.g. to measure its peak memory alone")
    boolean uncached;

    enum Against { fused, uncached, none }

    /** One timed graph: its loss variable, trainables and the batch it steps on. */
    private record Setup(String spec, org.nd4j.autodiff.samediff.SameDiff sameDiff, String loss, List<String> trainable, boolean cached,
                         Map<String, INDArray> in) {
    }

    @Option(names = "--task", description = "a seq2seq task (debsum, l10n-en-ro): time the warm-started MiniLM encoder-decoder's step on "
            + "its first --sentences training pairs (--max-len source tokens, --max-target target tokens) instead of the encoder's")
    String task;
    @Option(names = "--max-target", defaultValue = "16", description = "with --task: target truncation (default ${DEFAULT-VALUE})")
    int maxTarget;

    @Override
    public Integer call() throws Exception {
        if (sentences <= 0 || reps <= 0) throw new IllegalArgumentException("--sentences and --reps must be positive");
        if (peer) return PeerComparison.run(this);
        Against alt = splitOnly ? Against.none : against;
        List<Setup> setups = new ArrayList<>();
        String modelName;
        long batchRows, length;
        if (task == null) {
            PretrainedEncoder model = ModelStore.resolve("minilm-l6");
            EncoderBatch batch = EncoderBatch.of(model.tokenizer().encode(MergeBenchmark.texts(sentences), maxLen));
            Map<String, INDArray> in = new HashMap<>(batch.placeholders(model.config(), 1f));
            float[][] y = new float[batch.batchSize()][2];
            for (int i = 0; i < y.length; i++) y[i][i % 2] = 1f;
            in.put("labels", Nd4j.createFromArray(y));
            for (String spec : methods.split(";")) {
                PetlMethod m = Methods.parse(spec.strip());
                setups.add(setup(model, m, false, !uncached, in));
                switch (alt) {
                    case fused -> setups.add(SplitGradientMmul.withFusedBackward(() -> setup(model, m, true, !uncached, in)));
                    case uncached -> setups.add(setup(model, m, false, false, in));
                    case none -> { }
                }
            }
            modelName = model.name();
            batchRows = batch.batchSize();
            length = batch.length();
        } else {
            if (!org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(task)) throw new IllegalArgumentException("--task " + task + ": not a seq2seq task");
            for (String spec : methods.split(";")) {
                String m = spec.strip();
                setups.add(seq2seqSetup(m, false, !uncached));
                switch (alt) {
                    case fused -> setups.add(SplitGradientMmul.withFusedBackward(() -> seq2seqSetup(m, true, !uncached)));
                    case uncached -> setups.add(seq2seqSetup(m, false, false));
                    case none -> { }
                }
            }
            modelName = "minilm-l6:seq2seq (" + task + ")";
            INDArray ids = setups.get(0).in().get("input_ids"), dec = setups.get(0).in().get("decoder_input_ids");
            batchRows = ids.size(0);
            length = ids.size(1) + dec.size(1);
        }
        double[] s = bestOf3(setups);
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
        o.put("model", modelName);
        o.put("sentences", batchRows);
        o.put("tokens_per_sentence_padded", length);
        o.put("reps", reps);
        o.set("methods", rows);
        o.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        o.put("threads", Integer.parseInt(System.getenv().getOrDefault("OMP_NUM_THREADS", "0")));
        o.put("peak_rss_mib", PeerComparison.peakRssMib());
        o.set("gemm_gflops", PeerComparison.nd4jGemmFloor(Math.toIntExact(batchRows * length)));
        if (opProfile > 0) o.set("op_profile", opProfile(setups, stride));
        System.out.println(JSON.writeValueAsString(o));
        return 0;
    }

    /** Per method: the step's wall time with a timing listener on, the ops' summed time, and the top op types. */
    private ArrayNode opProfile(List<Setup> setups, int stride) {
        ArrayNode out = JSON.createArrayNode();
        for (int k = 0; k < setups.size(); k += stride) {
            Setup s = setups.get(k);
            OpTimes times = new OpTimes(opShapes);
            s.sameDiff().setListeners(times);
            step(s);
            times.clear();
            long t0 = System.nanoTime();
            for (int i = 0; i < opProfile; i++) step(s);
            double wall = (System.nanoTime() - t0) / 1e9 / opProfile;
            s.sameDiff().setListeners();
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
            for (OpTimes.Row r : rows.subList(0, Math.min(opTop, rows.size()))) {
                ObjectNode t = top.addObject();
                t.put("op", r.op());
                t.put("count", r.count());
                t.put("s", r.seconds());
                t.put("share", r.seconds() / wall);
            }
        }
        return out;
    }

    private static Setup setup(PretrainedEncoder model, PetlMethod m, boolean fused, boolean cached, Map<String, INDArray> in) {
        EncoderGraph g = EncoderGraph.build(model.config(), model.weights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.MEAN, false), m.fullFineTuning(), 0, 0, 7));
        AppliedMethod a = Rewriter.apply(g, m, 1);
        // the gradient graph is built now, while the fused/split choice of this setup is in force
        org.petl.tasks.train.Trainer.createGradientsQuietly(g.sameDiff());
        return new Setup(m.spec() + (fused ? " (fused)" : cached ? "" : " (uncached)"), g.sameDiff(), "loss", a.trainable(), cached, in);
    }

    /** The seq2seq trainer's graph (label smoothing 0) for {@code spec}, on the task's first --sentences training pairs. */
    private Setup seq2seqSetup(String spec, boolean fused, boolean cached) {
        org.petl.tasks.seq2seq.Seq2SeqSetup setup = new org.petl.tasks.seq2seq.Seq2SeqSetup("minilm-l6:seq2seq", task, null, spec, maxLen, maxTarget,
                0, 1, sentences, 1, 1, 0, 1, 2, 0, 0, null, null);
        org.petl.tasks.seq2seq.Seq2SeqSetup.Prepared p = setup.prepare();
        var sd = p.lm().graph().sameDiff();
        String loss = org.petl.tasks.train.Seq2SeqLoss.attach(sd, org.petl.models.assembly.Seq2SeqLm.LOGITS, "labels", p.model().description().vocab(), 0).name();
        org.petl.tasks.train.Trainer.createGradientsQuietly(sd);
        Map<String, INDArray> in = new HashMap<>(p.batcher().encode(p.data().train().examples(), 1f));
        return new Setup(spec + (fused ? " (fused)" : cached ? "" : " (uncached)"), sd, loss, p.applied().trainable(), cached, in);
    }

    private static void step(Setup s) {
        if (s.cached()) {
            Backprop.Result r = Backprop.outputsAndGradients(s.sameDiff(), s.in(), List.of(s.loss()), s.trainable());
            NativeMemory.close(r.outputs().values());
            NativeMemory.close(r.gradients().values());
        } else {
            s.sameDiff().calculateGradientsAndOutputs(s.in(), List.of(s.loss()), s.trainable());
            NativeMemory.releaseUnreachable();
        }
    }

    /** One warm-up round, then three rounds with the setups taking turns; best round per setup, seconds per step. */
    private double[] bestOf3(List<Setup> setups) {
        for (Setup s : setups) for (int i = 0; i < 2; i++) step(s);
        long[] best = new long[setups.size()];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < setups.size(); k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) step(setups.get(k));
                best[k] = Math.min(best[k], System.nanoTime() - t0);
            }
        }
        double[] out = new double[setups.size()];
        for (int k = 0; k < setups.size(); k++) out[k] = best[k] / 1e9 / reps;
        return out;
    }
}
