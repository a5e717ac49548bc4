package org.petl.models.assembly;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.models.GoldenReference;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.ModelGraph;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Seq2SeqLmTest {

    private static int[][] labels(Seq2SeqBatch b) {
        // next-token targets: the decoder input shifted left, padding and the last position ignored (−100)
        int[][] ids = b.decoderInputIds(), m = b.decoderAttentionMask();
        int[][] out = new int[ids.length][ids[0].length];
        for (int r = 0; r < ids.length; r++) {
            for (int t = 0; t < ids[r].length; t++) out[r][t] = t + 1 < ids[r].length && m[r][t + 1] == 1 ? ids[r][t + 1] : -100;
        }
        return out;
    }

    /** The in-graph loss is the token cross-entropy of the paper code's own lm_logits. */
    @Test
    void lossIsTheTokenCrossEntropyOfTheReferenceLogits() {
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve("mbart/base"));
        Seq2SeqBatch tf = c.batch();
        int[][] y = labels(tf);
        Seq2SeqBatch b = new Seq2SeqBatch(tf.inputIds(), tf.attentionMask(), tf.decoderInputIds(), tf.decoderAttentionMask(), y);
        Seq2SeqLm lm = Seq2SeqLm.build(c.description(), c.weights(), ModelGraph.Options.inference());
        double loss = lm.graph().sameDiff().output(b.placeholders(c.description(), 1f), Seq2SeqLm.LOSS).get(Seq2SeqLm.LOSS).getDouble(0);
        JsonNode logits = c.json().at("/outputs/lm_logits/values");
        double sum = 0;
        int n = 0;
        for (int r = 0; r < y.length; r++) {
            for (int t = 0; t < y[r].length; t++) {
                if (y[r][t] < 0) continue;
                JsonNode row = logits.get(r).get(t);
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (JsonNode v : row) max = Math.max(max, v.asDouble());
                for (JsonNode v : row) z += Math.exp(v.asDouble() - max);
                sum += -(row.get(y[r][t]).asDouble() - max - Math.log(z));
                n++;
            }
        }
        assertEquals(sum / n, loss, 1e-4);
    }

    /** {@code full} trains every base tensor, the tied word table (= LM head) included, and its gradient is right. */
    @Test
    void fullFineTuningTrainsTheTiedWordTable() {
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve("bart/base"));
        Seq2SeqBatch tf = c.batch();
        Seq2SeqBatch b = new Seq2SeqBatch(tf.inputIds(), tf.attentionMask(), tf.decoderInputIds(), tf.decoderAttentionMask(), labels(tf));
        Seq2SeqLm lm = Seq2SeqLm.build(c.description(), c.weights(), new ModelGraph.Options(0, 0, true));
        AppliedMethod full = Rewriter.apply(lm.graph(), Methods.parse("full"), 0);
        assertTrue(full.trainable().contains("model.shared.weight"), full.trainable().toString());
        assertEquals(c.description().baseParameters(), full.trainableCount(), "full trains exactly the description's base parameters");
        Map<String, INDArray> ph = b.placeholders(c.description(), 1f);
        var sd = lm.graph().sameDiff();
        INDArray grad = sd.calculateGradients(ph, List.of("model.shared.weight")).get("model.shared.weight");
        // finite difference on an entry of a token that is looked up (id 31) and predicted
        INDArray table = sd.getVariable("model.shared.weight").getArr();
        double eps = 1e-2, before = table.getDouble(31, 5);
        table.putScalar(31, 5, before + eps);
        double up = sd.output(ph, Seq2SeqLm.LOSS).get(Seq2SeqLm.LOSS).getDouble(0);
        table.putScalar(31, 5, before - eps);
        double down = sd.output(ph, Seq2SeqLm.LOSS).get(Seq2SeqLm.LOSS).getDouble(0);
        table.putScalar(31, 5, before);
        double numeric = (up - down) / (2 * eps);
        assertTrue(Math.abs(numeric) > 1e-4, "the entry matters: " + numeric);
        assertEquals(numeric, grad.getDouble(31, 5), 2e-3 + 0.02 * Math.abs(numeric));
    }

    @Test
    void aSiteTheFamilyLacksIsOneLine() {
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve("bart/base"));
        Seq2SeqLm lm = Seq2SeqLm.build(c.description(), c.weights(), ModelGraph.Options.inference());
        MethodSpecException e = assertThrows(MethodSpecException.class, () -> Rewriter.apply(lm.graph(), Methods.parse("lora:r=4,layers=5"), 0));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("layer 5") && e.getMessage().contains("2 layers"), e.getMessage());
    }

    /** A site the family lacks: cross-attention on an encoder-only model. */
    @Test
    void crossAttentionOnAnEncoderOnlyModelIsOneLine() throws Exception {
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"modifications\": [{\"name\": \"x\", \"form\": {\"type\": \"bottleneck\", "
                + "\"r\": 4, \"act\": \"relu\", \"layer_norm\": \"none\", \"bias\": true, \"init\": \"normal\"}, \"site\": {\"stacks\": [\"decoder\"], "
                + "\"modules\": [\"cross_attn\"], \"points\": [\"output\"]}, \"insertion\": \"sequential\", \"composition\": {\"type\": \"add\"}}]}");
        var method = Methods.fromJson(root, "test");
        var desc = org.petl.core.arch.ModelDescription.roberta("tiny-roberta", 2, 32, 4, 64, 120, 64, 1, 1e-5, "gelu", false, 1);
        var g = new ModelGraph(desc, Map.of(), ModelGraph.Options.inference());
        MethodSpecException e = assertThrows(MethodSpecException.class, () -> Rewriter.apply(g, method, 0));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("model 'tiny-roberta' (roberta) has no site cross_attn.output"), e.getMessage());
    }
}
