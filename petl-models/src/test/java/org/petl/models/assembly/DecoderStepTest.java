package org.petl.models.assembly;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Rewriter;
import org.petl.models.GoldenReference;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.ModelGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decoding token by token with the cache gives the paper code's teacher-forced lm_logits, with the same method
 * applied to the decoder-step graph: its parameters have exactly the names they have on the Seq2SeqLm graph.
 */
class DecoderStepTest {

    @ParameterizedTest
    @ValueSource(strings = {"bart/base", "bart/mam_prefix5_ffnpar_r8_s4", "bart/lora_attn_qv_r4_a8", "bart/prompt_tuning_l5",
            "bart/prefix_cross_attn_gate_add", "mbart/prefix_nomlp_concat", "mbart/ffn_adapter_pfeiffer_r8_s1_lnin"})
    void stepByStepEqualsTeacherForcing(String id) {
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve(id));
        Seq2SeqLm lm = Seq2SeqLm.build(c.description(), c.weights(), ModelGraph.Options.inference());
        AppliedMethod onLm = Rewriter.apply(lm.graph(), c.method(), 0, c.preset());
        DecoderStep step = DecoderStep.build(c.description(), c.weights());
        AppliedMethod onStep = Rewriter.apply(step.graph(), c.method(), 0, c.preset());
        assertEquals(onLm.added().keySet(), onStep.added().keySet(), "the method's parameters are named alike on both graphs");
        assertEquals(java.util.Set.copyOf(onLm.trainable()), java.util.Set.copyOf(onStep.trainable()));

        Seq2SeqBatch b = c.batch();
        DecoderStep.Encoded enc = step.encode(b.inputIds(), b.attentionMask());
        DecoderStep.Cache cache = step.start(b.inputIds().length);
        int rows = b.decoderInputIds().length, len = b.decoderInputIds()[0].length;
        List<INDArray> perStep = new ArrayList<>();
        for (int t = 0; t < len; t++) {
            int[][] tok = new int[rows][1], m = new int[rows][1];
            for (int r = 0; r < rows; r++) {
                tok[r][0] = b.decoderInputIds()[r][t];
                m[r][0] = b.decoderAttentionMask()[r][t];
            }
            DecoderStep.StepOutput o = step.step(enc, cache, tok, m);
            assertEquals(t + 1, o.cache().keys().get(0).size(1), "the cache grows by one row per step and holds no prefix");
            perStep.add(o.logits());
            cache = o.cache();
        }
        JsonNode stored = c.json().at("/outputs/lm_logits");
        INDArray joined = org.nd4j.linalg.factory.Nd4j.concat(1, perStep.toArray(INDArray[]::new));
        double diff = ConformanceRunner.maxDiff(joined, stored);
        assertTrue(diff <= 1e-4, id + ": step-by-step logits differ from the paper code's by " + diff);
        Map<String, INDArray> tf = lm.graph().sameDiff().output(b.placeholders(c.description(), 1f), Seq2SeqLm.LOGITS);
        INDArray last = joined.get(NDArrayIndex.all(), NDArrayIndex.point(len - 1), NDArrayIndex.all());
        INDArray tfLast = tf.get(Seq2SeqLm.LOGITS).get(NDArrayIndex.all(), NDArrayIndex.point(len - 1), NDArrayIndex.all());
        assertTrue(last.sub(tfLast).amaxNumber().doubleValue() <= 1e-4, id + ": last step vs teacher forcing");
    }
}
