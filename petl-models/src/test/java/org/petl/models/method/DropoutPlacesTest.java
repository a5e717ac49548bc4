package org.petl.models.method;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.method.AddedParameter;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.core.site.GraphSurgery;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.models.GoldenReference;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each dropout's place, checked with fixed masks in train mode on the tiny RoBERTa: the sub-layer dropout comes
 * before the adapter composition (LoRA stays inside it), hidden and attention dropout keep with their own
 * probabilities, and LoRA, adapter and prefix dropout sit where PEFT and the paper's code put them.
 */
class DropoutPlacesTest {

    static final int[][] IDS = UnionsTest.IDS;
    static final int[][] MASK = UnionsTest.MASK;
    static final int N = 14, D = 32;
    static final Site FFN0 = Site.encoder(0, Module.FFN, Point.OUTPUT);

    static EncoderGraph graph(double hidden, double attention) {
        return EncoderGraph.build(GoldenReference.tinyRobertaConfig(), GoldenReference.tinyRobertaWeights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.CLS, true), false, hidden, attention, 0));
    }

    static AppliedMethod apply(EncoderGraph g, String spec) {
        AppliedMethod a = Rewriter.apply(g, Methods.parse(spec), 0);
        for (AddedParameter p : a.added().values()) {
            if (p.derived()) continue;
            INDArray v = g.sameDiff().getArrForVarName(p.graphName());
            Random r = new Random(p.graphName().hashCode());
            float[] data = new float[(int) v.length()];
            for (int i = 0; i < data.length; i++) data[i] = (float) (r.nextGaussian() * 0.3);
            v.assign(Nd4j.create(data, v.shape(), 'c'));
        }
        return a;
    }

    /** Replaces the random mask of the dropout whose output is {@code name} (x · mask) by a constant. */
    static void fixMask(SameDiff sd, String name, float value, long... shape) {
        SDVariable mask = sd.getVariableOutputOp(name).arg(1);
        SDVariable fixed = sd.constant(Nd4j.valueArrayOf(shape, value));
        GraphSurgery.rewire(sd, mask, fixed, GraphSurgery.ops(sd));
    }

    /** The name of the model's dropout of a sub-layer output (x · mask), which the dropped site names. */
    static String subLayerDropout(EncoderGraph g, Site output) {
        return g.sameDiff().getVariableOutputOp(g.site(output.at(Point.DROPPED)).orElseThrow().name()).arg(0).name();
    }

    static Map<String, INDArray> run(EncoderGraph g, float keep, String... outputs) {
        return g.sameDiff().output(new EncoderBatch(IDS, null, MASK).placeholders(g.config(), keep), outputs);
    }

    static double maxAbs(INDArray a) {
        return a.dup().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).amaxNumber().doubleValue();
    }

    @Test
    void adaptersComposeAfterTheSubLayerDropoutLoraInsideIt() {
        EncoderGraph g = graph(0.1, 0.1);
        String ffnDropout = subLayerDropout(g, FFN0);
        apply(g, "pa:r=4,layers=0+lora:r=2,targets=ffn,layers=0");
        SameDiff sd = g.sameDiff();
        // the sub-layer dropout of layer 0's FFN drops everything: what the residual adds is the parallel adapter alone
        fixMask(sd, ffnDropout, 0f, N, D);
        SDVariable composed = g.site(FFN0.at(Point.DROPPED)).orElseThrow();
        SDVariable h = sd.getVariableOutputOp(composed.name()).arg(0), delta = sd.getVariableOutputOp(composed.name()).arg(1);
        SDVariable loraOut = g.site(FFN0).orElseThrow();
        Map<String, INDArray> out = run(g, 0.9f, composed.name(), h.name(), delta.name(), loraOut.name());
        assertEquals(0.0, maxAbs(out.get(h.name())), "h after the sub-layer dropout (LoRA's change inside it)");
        assertTrue(maxAbs(out.get(loraOut.name())) > 1e-2, "the LoRA-modified projection output is not zero");
        assertTrue(maxAbs(out.get(delta.name())) > 1e-2, "the adapter's Δh");
        assertEquals(out.get(delta.name()), out.get(composed.name()), "dropped h + Δh = Δh: the adapter output is added after the dropout");
    }

    @Test
    void hiddenAndAttentionDropoutKeepWithTheirOwnProbabilities() {
        EncoderGraph g = graph(0.1, 0.3);
        SameDiff sd = g.sameDiff();
        String hiddenMask = sd.getVariableOutputOp(subLayerDropout(g, FFN0)).arg(1).name();
        String attnMask = sd.getVariableOutputOp("encoder.layer.0.self_attn.scores_dropped").arg(1).name();
        Map<String, INDArray> out = run(g, g.keepProbability(true), hiddenMask, attnMask);
        assertEquals(1 / 0.9, out.get(hiddenMask).maxNumber().doubleValue(), 1e-6, "hidden dropout scales kept values by 1/(1−0.1)");
        assertEquals(1 / 0.7, out.get(attnMask).maxNumber().doubleValue(), 1e-6, "attention dropout by 1/(1−0.3)");
        Map<String, INDArray> eval = run(g, g.keepProbability(false), hiddenMask, attnMask);
        assertEquals(1.0, eval.get(hiddenMask).minNumber().doubleValue(), 0.0, "inference keeps everything");
        assertEquals(1.0, eval.get(attnMask).minNumber().doubleValue(), 0.0);
    }

    @Test
    void loraDropoutActsOnTheInput() {
        EncoderGraph g = graph(0, 0);
        apply(g, "lora:r=2,targets=q,dropout=0.5,layers=0");
        SameDiff sd = g.sameDiff();
        String scope = "lora.encoder.layer.0.self_attn.q";
        fixMask(sd, scope + ".input_dropout", 0f, N, D);
        SDVariable q = g.site(Site.encoder(0, Module.SELF_ATTN, Point.Q)).orElseThrow();
        SDVariable base = sd.getVariableOutputOp(q.name()).arg(0);
        Map<String, INDArray> out = run(g, 0.5f, q.name(), base.name(), scope + ".input_dropout");
        assertEquals(0.0, maxAbs(out.get(scope + ".input_dropout")));
        assertEquals(out.get(base.name()), out.get(q.name()), "a dropped input gives Δh = 0");
    }

    @Test
    void adapterDropoutActsAfterTheNonlinearity() {
        EncoderGraph g = graph(0, 0);
        apply(g, "houlsby:r=4,dropout=0.5,layers=0");
        SameDiff sd = g.sameDiff();
        String scope = "houlsby_ffn.encoder.layer.0.ffn.output";
        fixMask(sd, scope + ".dropout", 0f, N, 4);
        SDVariable composed = g.site(FFN0.at(Point.DROPPED)).orElseThrow();
        SDVariable delta = sd.getVariableOutputOp(composed.name()).arg(1);
        Map<String, INDArray> out = run(g, 0.5f, delta.name());
        INDArray upBias = sd.getArrForVarName(scope + ".up.bias");
        assertEquals(0.0, maxAbs(out.get(delta.name()).subRowVector(upBias)), 1e-6, "with the bottleneck dropped, Δh is the up-projection's bias");
    }

    @Test
    void prefixDropoutActsOnThePrefixKeysAndValues() {
        EncoderGraph g = graph(0, 0);
        apply(g, "prefix:l=2,mid=0,dropout=0.5,layers=0");
        SameDiff sd = g.sameDiff();
        String scope = "prefix.encoder.layer.0.self_attn.heads";
        fixMask(sd, scope + ".key_dropout", 0f, 2, D);
        SDVariable keys = g.site(Site.encoder(0, Module.SELF_ATTN, Point.KEYS)).orElseThrow();
        INDArray k = run(g, 0.5f, keys.name()).get(keys.name()).reshape(2, 9, D);
        assertEquals(0.0, maxAbs(k.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2))), "dropped prefix keys");
        assertTrue(maxAbs(k.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 9))) > 1e-2, "the tokens' keys stay");
    }

    @Test
    void atInferenceEveryDropoutIsTheIdentity() {
        String spec = "lora:r=2,dropout=0.3+houlsby:r=4,dropout=0.3+prefix:l=2,mid=0,dropout=0.3";
        EncoderGraph a = graph(0.1, 0.2), b = graph(0, 0);
        apply(a, spec);
        apply(b, spec);
        INDArray x = run(a, 1f, "logits").get("logits"), y = run(b, 1f, "logits").get("logits");
        assertEquals(0.0, maxAbs(x.sub(y)), 1e-6);
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("lora:dropout=1")).getMessage().contains("[0, 1)"));
    }
}
