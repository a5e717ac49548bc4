package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.adapter.LoraMerge;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Inference cost of LoRA on the real all-MiniLM-L6-v2: the base graph, the graph with LoRA applied (unmerged, the
 * extra x·A·B path at every target) and a plain base graph carrying the merged weights W + s·A·B. Merging should
 * bring the cost back to the base's. Not a test: timings depend on the machine.
 */
@Command(name = "bench-merge", mixinStandardHelpOptions = true,
        description = "Time MiniLM inference: base, LoRA unmerged, LoRA merged into the base weights; prints a JSON line.")
public final class MergeBenchmark implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--method", defaultValue = "lora:r=8,s=2", description = "a LoRA-only method (default ${DEFAULT-VALUE})") String method;
    @Option(names = "--sentences", defaultValue = "32", description = "sentences per batch (default ${DEFAULT-VALUE})") int sentences;
    @Option(names = "--reps", defaultValue = "20", description = "batches per timing (default ${DEFAULT-VALUE})") int reps;
    @Option(names = "--max-len", defaultValue = "64", description = "tokenizer truncation (default ${DEFAULT-VALUE})") int maxLen;

    private static final String[] SUBJECTS = {"the film", "this sequel", "the director's latest", "her performance",
            "the screenplay", "the soundtrack", "the final act", "its cast"};
    private static final String[] PREDICATES = {"is a gorgeous, witty and seductive piece of work.",
            "drags on far too long and never finds its footing, despite a promising first half.",
            "offers little more than boilerplate clichés and recycled jokes.",
            "turns a familiar story into something charming and often affecting."};

    /** Deterministic, distinct sentences of varied length. */
    static List<String> texts(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; out.size() < n; i++) {
            String s = SUBJECTS[i % SUBJECTS.length] + " " + PREDICATES[(i / SUBJECTS.length + i) % PREDICATES.length];
            out.add(i < SUBJECTS.length * PREDICATES.length ? s : s + " (" + i + ")");
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        if (sentences <= 0 || reps <= 0) throw new IllegalArgumentException("--sentences and --reps must be positive");
        PretrainedEncoder model = ModelStore.resolve("minilm-l6");
        EncoderBatch batch = EncoderBatch.of(model.tokenizer().encode(texts(sentences), maxLen));
        Map<String, INDArray> in = batch.placeholders(model.config(), 1f);

        EncoderGraph base = graph(model);
        EncoderGraph lora = graph(model);
        AppliedMethod applied = Rewriter.apply(lora, Methods.parse(method), 1);
        // LoRA's B starts at zero: give every added weight a trained-size value so the merge has something to carry
        Nd4j.getRandom().setSeed(7);
        for (String n : applied.added().keySet()) {
            INDArray v = lora.sameDiff().getArrForVarName(n);
            v.addi(Nd4j.rand(v.dataType(), v.shape()).subi(0.5).muli(0.05));
        }
        EncoderGraph merged = graph(model);
        LoraMerge.merge(applied).forEach((n, v) -> merged.sameDiff().getArrForVarName(n).assign(v));

        double[] best = bestOf3(in, base, lora, merged);
        double baseS = best[0], loraS = best[1], mergedS = best[2];
        INDArray hLora = hidden(lora, in), hMerged = hidden(merged, in), hBase = hidden(base, in);

        ObjectNode o = JSON.createObjectNode();
        o.put("model", model.name());
        o.put("method", applied.method().spec());
        o.put("sentences", batch.batchSize());
        o.put("tokens_per_sentence_padded", batch.length());
        o.put("reps", reps);
        o.put("base_s_per_batch", baseS);
        o.put("lora_unmerged_s_per_batch", loraS);
        o.put("lora_merged_s_per_batch", mergedS);
        o.put("ratio_unmerged_over_base", loraS / baseS);
        o.put("ratio_merged_over_base", mergedS / baseS);
        o.put("max_abs_diff_merged_vs_unmerged", hMerged.sub(hLora).amaxNumber().doubleValue());
        o.put("max_abs_diff_lora_vs_base", hLora.sub(hBase).amaxNumber().doubleValue());
        o.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        System.out.println(JSON.writeValueAsString(o));
        return 0;
    }

    private static EncoderGraph graph(PretrainedEncoder model) {
        return EncoderGraph.build(model.config(), model.weights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.MEAN, false), false, 0, 0, 7));
    }

    private static INDArray hidden(EncoderGraph g, Map<String, INDArray> in) {
        return g.sameDiff().output(in, "last_hidden_state").get("last_hidden_state");
    }

    /**
     * Seconds per batch for each graph: one warm-up round of reps each, then three rounds, the graphs taking turns
     * within a round (so a load change on a shared machine hits all three alike), best round per graph.
     */
    private double[] bestOf3(Map<String, INDArray> in, EncoderGraph... graphs) {
        for (EncoderGraph g : graphs) for (int i = 0; i < reps; i++) hidden(g, in);
        long[] best = new long[graphs.length];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < graphs.length; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) hidden(graphs[k], in);
                best[k] = Math.min(best[k], System.nanoTime() - t0);
            }
        }
        double[] out = new double[graphs.length];
        for (int k = 0; k < graphs.length; k++) out[k] = best[k] / 1e9 / reps;
        return out;
    }
}
