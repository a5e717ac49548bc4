package org.petl.models;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.core.site.Backprop;
import org.petl.core.site.NativeMemory;
import org.petl.models.assembly.Seq2SeqBatch;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.graph.ModelGraph;
import org.petl.models.store.PretrainedEncoder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The cached pass ({@link Backprop}) computes SameDiff's own outputs and gradients bit for bit, step after step, while
 * it hands a step's buffers back to the cache and the next step (of another shape, then the same again) reuses them.
 * The oracle is SameDiff's {@code calculateGradientsAndOutputs} on a second instance of the same graph.
 */
class BackpropCacheTest {

    private static final List<String> TEXTS = List.of("a gorgeous, witty, seductive movie.", "the plot is nothing but boilerplate clichés.",
            "it's a charming and often affecting journey.", "too slow, too long and too little happens.");
    // (sentences, truncation) per step: a shape, another, the first again (the cache's exact-shape reuse), a third
    private static final int[][] SHAPES = {{4, 32}, {3, 8}, {4, 32}, {2, 12}, {4, 32}};

    @ParameterizedTest
    @ValueSource(strings = {"full", "lora:r=8,s=2", "mam:l=16,r=16,s=2,mid=0", "prefix:l=8,mid=16", "houlsby:r=16", "bitfit"})
    void miniLmStepsEqualSameDiffsBitForBit(String spec) {
        PretrainedEncoder model = TestModels.load("minilm-l6");
        PetlMethod m = Methods.parse(spec);
        EncoderGraph cached = miniLm(model, m), plain = miniLm(model, m);
        List<String> trainable = Rewriter.apply(cached, m, 1).trainable();
        assertEquals(trainable, Rewriter.apply(plain, m, 1).trainable());
        for (int[] shape : SHAPES) {
            EncoderBatch b = EncoderBatch.of(model.tokenizer().encode(TEXTS.subList(0, shape[0]), shape[1]));
            Map<String, INDArray> in = new HashMap<>(b.placeholders(model.config(), 1f));
            float[][] y = new float[shape[0]][2];
            for (int i = 0; i < y.length; i++) y[i][i % 2] = 1f;
            in.put("labels", Nd4j.createFromArray(y));
            compare(cached.sameDiff(), plain.sameDiff(), in, "loss", trainable, spec + " " + Arrays.toString(shape));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"full", "lora:r=4,s=2", "prefix:l=4,mid=8", "mam:l=4,r=8,s=2,mid=0"})
    void tinyBartStepsEqualSameDiffsBitForBit(String spec) {
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve("bart/base"));
        Seq2SeqBatch tf = c.batch();
        Seq2SeqBatch b = new Seq2SeqBatch(tf.inputIds(), tf.attentionMask(), tf.decoderInputIds(), tf.decoderAttentionMask(), nextTokens(tf));
        PetlMethod m = Methods.parse(spec);
        Seq2SeqLm cached = Seq2SeqLm.build(c.description(), c.weights(), new ModelGraph.Options(0, 0, m.fullFineTuning()));
        Seq2SeqLm plain = Seq2SeqLm.build(c.description(), c.weights(), new ModelGraph.Options(0, 0, m.fullFineTuning()));
        List<String> trainable = Rewriter.apply(cached.graph(), m, 3).trainable();
        Rewriter.apply(plain.graph(), m, 3);
        for (int step = 0; step < 3; step++) {
            compare(cached.graph().sameDiff(), plain.graph().sameDiff(), b.placeholders(c.description(), 1f), Seq2SeqLm.LOSS, trainable, spec + " step " + step);
        }
    }

    private static void compare(SameDiff cached, SameDiff plain, Map<String, INDArray> in, String loss, List<String> trainable, String what) {
        OutAndGrad expected = plain.calculateGradientsAndOutputs(in, List.of(loss), trainable);
        Backprop.Result got = Backprop.outputsAndGradients(cached, in, List.of(loss), trainable);
        assertEquals(expected.getOutputs().get(loss).getDouble(0), got.outputs().get(loss).getDouble(0), 0.0, what + ": loss");
        assertEquals(expected.getGradients().keySet(), got.gradients().keySet(), what);
        assertFalse(got.gradients().isEmpty(), what);
        List<String> differing = new ArrayList<>();
        for (String p : trainable) {
            INDArray e = expected.getGradients().get(p), g = got.gradients().get(p);
            if (e == null) continue;
            assertNotNull(g, what + ": " + p);
            if (!Arrays.equals(e.dup('c').data().asFloat(), g.dup('c').data().asFloat())) differing.add(p);
        }
        assertArrayEquals(new String[0], differing.toArray(new String[0]), what + ": gradients differ");
        NativeMemory.close(got.outputs().values());
        NativeMemory.close(got.gradients().values());
    }

    private static EncoderGraph miniLm(PretrainedEncoder model, PetlMethod m) {
        return EncoderGraph.build(model.config(), model.weights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.MEAN, false), m.fullFineTuning(), 0, 0, 7));
    }

    private static int[][] nextTokens(Seq2SeqBatch b) {
        int[][] ids = b.decoderInputIds(), mask = b.decoderAttentionMask();
        int[][] out = new int[ids.length][ids[0].length];
        for (int r = 0; r < ids.length; r++) {
            for (int t = 0; t < ids[r].length; t++) out[r][t] = t + 1 < ids[r].length && mask[r][t + 1] == 1 ? ids[r][t + 1] : Seq2SeqBatch.IGNORE;
        }
        return out;
    }
}
