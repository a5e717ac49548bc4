package org.petl.models.weights;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.models.GoldenReference;
import org.petl.models.TestModels;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.graph.ModelGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.models.store.PretrainedSeq2Seq;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.models.tokenize.TokenBatch;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a --weights folder and the warm start load, built by the one encoder-decoder assembly: the tiny reference
 * BART/mBART written as HF folders reproduce the paper code's base outputs, and the warm-started MiniLM's encoder
 * is the MiniLM encoder.
 */
class Seq2SeqFolderGraphTest {

    private static double replayBase(String model, Path dir) {
        HfFolderWriter.writeTinyReference(GoldenReference.root().resolve(model), dir);
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq(dir.toString());
        JsonNode c = GoldenReference.caseJson(model, "base");
        Seq2SeqLm lm = Seq2SeqLm.build(m.description(), m.weights(), ModelGraph.Options.inference());
        org.petl.models.assembly.Seq2SeqBatch batch = new org.petl.models.assembly.Seq2SeqBatch(ConformanceRunner.ints(c.at("/inputs/input_ids")),
                ConformanceRunner.ints(c.at("/inputs/attention_mask")), ConformanceRunner.ints(c.at("/inputs/decoder_input_ids")),
                ConformanceRunner.ints(c.at("/inputs/decoder_attention_mask")), null);
        Map<String, INDArray> out = lm.graph().sameDiff().output(batch.placeholders(m.description(), 1f),
                "encoder_last_hidden_state", "decoder_last_hidden_state", Seq2SeqLm.LOGITS);
        double diff = 0;
        for (String name : List.of("encoder_last_hidden_state", "decoder_last_hidden_state")) {
            diff = Math.max(diff, ConformanceRunner.maxDiff(out.get(name), c.at("/outputs/" + name)));
        }
        return Math.max(diff, ConformanceRunner.maxDiff(out.get(Seq2SeqLm.LOGITS), c.at("/outputs/lm_logits")));
    }

    @Test
    void tinyBartFolderReproducesThePaperCode(@TempDir Path tmp) {
        double diff = replayBase("bart", tmp);
        System.err.println("bart/base through --weights: max |diff| " + diff);
        assertTrue(diff <= 1e-4, "bart/base through --weights: max |diff| " + diff);
    }

    @Test
    void tinyMbartFolderReproducesThePaperCode(@TempDir Path tmp) {
        double diff = replayBase("mbart", tmp);
        System.err.println("mbart/base through --weights: max |diff| " + diff);
        assertTrue(diff <= 1e-4, "mbart/base through --weights: max |diff| " + diff);
    }

    @Test
    void whatTrainsOnTheWarmStart() {
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq("minilm-l6:seq2seq");
        long base = new org.petl.core.method.Architecture(m.description()).baseParameters();
        // LoRA: only its own matrices, on the 18 attention modules (encoder self, decoder self and cross)
        Seq2SeqLm lora = Seq2SeqLm.build(m.description(), m.weights(), ModelGraph.Options.inference());
        org.petl.core.method.AppliedMethod a = org.petl.core.method.Rewriter.apply(lora.graph(), org.petl.core.method.Methods.parse("lora:r=8"), 7);
        assertEquals(18L * 2 * 8 * (384 + 384), a.trainableCount(), a.trainable().toString());
        assertTrue(a.added().keySet().stream().anyMatch(k -> k.contains("decoder.layer.5.cross_attn")), a.added().keySet().toString());
        assertEquals(base, a.baseCount(), "the graph holds exactly the description's base tensors");
        // full: every base tensor, the tied word table and the copied cross-attention included
        Seq2SeqLm full = Seq2SeqLm.build(m.description(), m.weights(), ModelGraph.Options.inference());
        org.petl.core.method.AppliedMethod f = org.petl.core.method.Rewriter.apply(full.graph(), org.petl.core.method.Methods.parse("full"), 7);
        assertEquals(base, f.trainableCount());
        assertTrue(f.trainable().contains("model.shared.weight") && f.trainable().contains("model.decoder.layers.0.encoder_attn.q_proj.weight"), f.trainable().toString());
    }

    @Test
    void warmStartedEncoderIsMiniLm() {
        PretrainedEncoder enc = TestModels.load("minilm-l6");
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq("minilm-l6:seq2seq");
        List<String> src = List.of("The cat sat on the mat.", "Parameter-efficient fine-tuning updates only a few weights!");
        List<String> tgt = List.of("A cat on a mat.", "Few weights train.");
        INDArray expected;
        {
            TokenBatch tb = enc.tokenizer().encode(src, 64);
            EncoderGraph g = EncoderGraph.build(enc.config(), enc.weights(), EncoderGraph.Options.inference());
            expected = g.sameDiff().output(EncoderBatch.of(tb).placeholders(enc.config(), 1f), "last_hidden_state").get("last_hidden_state");
        }
        try (Seq2SeqTokenizer t = m.tokenizer(null, null)) {
            org.petl.models.assembly.Seq2SeqBatch batch = t.encode(src, tgt, 64, 32);
            Seq2SeqLm lm = Seq2SeqLm.build(m.description(), m.weights(), ModelGraph.Options.inference());
            int[][] labels = batch.labels();
            for (int i = 0; i < labels.length; i++) {
                for (int j = 0; j < labels[i].length; j++) assertEquals(batch.decoderAttentionMask()[i][j] == 0, labels[i][j] == -100, "padded labels are -100");
            }
            Map<String, INDArray> out = lm.graph().sameDiff().output(batch.placeholders(m.description(), 1f),
                    "encoder_last_hidden_state", Seq2SeqLm.LOGITS, Seq2SeqLm.LOSS);
            INDArray got = out.get("encoder_last_hidden_state");
            assertArrayEquals(expected.shape(), got.shape());
            // padded rows differ by the mask constant (BART's float32 min vs BERT's -10000) only in what padding sees
            INDArray mask = org.nd4j.linalg.factory.Nd4j.createFromArray(batch.attentionMask()).castTo(got.dataType());
            INDArray diff = org.nd4j.linalg.ops.transforms.Transforms.abs(got.sub(expected)).max(2).mul(mask);
            assertTrue(diff.maxNumber().doubleValue() < 1e-4, "warm-started encoder vs MiniLM: " + diff.maxNumber());
            assertArrayEquals(new long[]{2, batch.decoderInputIds()[0].length, 30522}, out.get(Seq2SeqLm.LOGITS).shape());
            // the loss is the mean next-token cross-entropy over the labelled positions, computed here on the host
            double loss = out.get(Seq2SeqLm.LOSS).getDouble(0), sum = 0;
            int n = 0;
            INDArray logits = out.get(Seq2SeqLm.LOGITS);
            for (int i = 0; i < labels.length; i++) {
                for (int j = 0; j < labels[i].length; j++) {
                    if (labels[i][j] < 0) continue;
                    double[] row = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(j),
                            org.nd4j.linalg.indexing.NDArrayIndex.all()).toDoubleVector();
                    double max = Arrays.stream(row).max().orElseThrow(), z = 0;
                    for (double v : row) z += Math.exp(v - max);
                    sum += max + Math.log(z) - row[labels[i][j]];
                    n++;
                }
            }
            assertEquals(batch.decoderInputIds()[0].length + batch.decoderInputIds()[1].length - Arrays.stream(batch.decoderAttentionMask()[1]).filter(x -> x == 0).count(), n);
            assertEquals(sum / n, loss, 1e-4, "teacher-forced loss over the tokenizer's labels");
            assertTrue(loss < Math.log(30522), "the pretrained word table as LM head beats uniform guessing: " + loss);
        }
    }
}
