package org.petl.models;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SameDiff RoBERTa reproduces the paper code's base forward on the tiny reference model. */
class EncoderGraphGoldenTest {

    @Test
    void tinyRobertaBaseMatchesReference() {
        JsonNode c = GoldenReference.caseJson("roberta", "base");
        int[][] ids = GoldenReference.ints(c.at("/inputs/input_ids"));
        int[][] mask = GoldenReference.ints(c.at("/inputs/attention_mask"));
        EncoderConfig cfg = GoldenReference.tinyRobertaConfig();
        EncoderGraph g = EncoderGraph.build(cfg, GoldenReference.tinyRobertaWeights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.CLS, true), false, 0, 0, 0));
        Map<String, INDArray> out = g.sameDiff().output(new EncoderBatch(ids, null, mask).placeholders(cfg, 1f),
                "last_hidden_state", "logits");
        double dh = ConformanceRunner.maxDiff(out.get("last_hidden_state"), c.at("/outputs/last_hidden_state"));
        double dl = ConformanceRunner.maxDiff(out.get("logits"), c.at("/outputs/classification_logits"));
        assertTrue(dh < 1e-5, "last_hidden_state max |diff| " + dh);
        assertTrue(dl < 1e-5, "logits max |diff| " + dl);
    }
}
