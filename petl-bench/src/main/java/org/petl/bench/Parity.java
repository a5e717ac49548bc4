package org.petl.bench;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.models.tokenize.TokenBatch;

import java.util.List;

/**
 * The SameDiff encoder against the original ONNX graph run by onnxruntime: max |diff| of last_hidden_state over
 * every non-padding position, sentences batched with padding.
 */
public final class Parity {

    public record Result(String model, int sentences, long tokens, int batches, double maxAbsDiff, double meanAbsDiff,
                         double samediffSeconds, double onnxSeconds) {
    }

    private Parity() {
    }

    public static Result run(String modelName, List<String> sentences, int batchSize, int maxLength) {
        if (sentences.isEmpty()) throw new IllegalArgumentException("no sentences to compare");
        PretrainedEncoder model = ModelStore.resolve(modelName);
        if (model.onnx().isEmpty()) throw new IllegalArgumentException(modelName + ": no original ONNX graph to compare with (parity needs minilm-l6 or bge-small)");
        EncoderGraph graph = EncoderGraph.build(model.config(), model.weights(), EncoderGraph.Options.inference());
        double max = 0, sum = 0, sdTime = 0, onnxTime = 0;
        long tokens = 0, values = 0;
        int batches = 0;
        try (OnnxOracle oracle = new OnnxOracle(model.onnx().get())) {
            for (int start = 0; start < sentences.size(); start += batchSize) {
                List<String> chunk = sentences.subList(start, Math.min(sentences.size(), start + batchSize));
                TokenBatch tb = model.tokenizer().encode(chunk, maxLength);
                long t0 = System.nanoTime();
                INDArray h = graph.sameDiff().output(EncoderBatch.of(tb).placeholders(model.config(), 1f), "last_hidden_state")
                        .get("last_hidden_state");
                long t1 = System.nanoTime();
                float[][][] ref = oracle.lastHiddenState(tb.inputIds(), tb.attentionMask(), tb.tokenTypeIds());
                long t2 = System.nanoTime();
                sdTime += (t1 - t0) / 1e9;
                onnxTime += (t2 - t1) / 1e9;
                float[] got = h.dup('c').data().asFloat();
                int len = tb.length(), d = model.config().hidden();
                for (int b = 0; b < chunk.size(); b++) {
                    for (int t = 0; t < len; t++) {
                        if (tb.attentionMask()[b][t] == 0) continue;
                        tokens++;
                        for (int k = 0; k < d; k++) {
                            double diff = Math.abs(got[(b * len + t) * d + k] - ref[b][t][k]);
                            max = Math.max(max, diff);
                            sum += diff;
                            values++;
                        }
                    }
                }
                h.close();
                batches++;
            }
        }
        return new Result(modelName, sentences.size(), tokens, batches, max, sum / values, sdTime, onnxTime);
    }
}
