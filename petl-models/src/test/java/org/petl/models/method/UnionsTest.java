package org.petl.models.method;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.method.AddedParameter;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;
import org.petl.models.GoldenReference;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Unions are order-free: every pair of presets, typed in both orders, on the paper code's tiny RoBERTa
 * (golden petl-reference/roberta/base) either runs with the same output in both orders, or is rejected in both orders
 * with one line naming the two parts and the site.
 */
class UnionsTest {

    /** One spec per built-in preset, sized for the tiny model (d = 32, 4 heads, 2 layers, 64 positions). */
    static final Map<String, String> PRESETS = new java.util.LinkedHashMap<>();

    static {
        PRESETS.put("houlsby", "houlsby:r=4");
        PRESETS.put("pfeiffer", "pfeiffer:r=4");
        PRESETS.put("prefix", "prefix:l=3,mid=8");
        PRESETS.put("prompt", "prompt:l=2");
        PRESETS.put("lora", "lora:r=2,targets=q,k,v,o");
        PRESETS.put("bitfit", "bitfit");
        PRESETS.put("pa", "pa:r=4");
        PRESETS.put("sa", "sa:r=4,site=attn");
        PRESETS.put("spa", "spa:r=4,s=learned,site=attn");
        PRESETS.put("mhpa", "mhpa:l=3");
        PRESETS.put("mam", "mam:l=3,r=4,s=2,mid=0");
        PRESETS.put("full", "full");
        PRESETS.put("head", "head");
    }

    static final int[][] IDS = {{0, 45, 17, 88, 9, 63, 2}, {0, 33, 101, 7, 2, 1, 1}};
    static final int[][] MASK = {{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0}};
    static Map<String, HostTensor> weights;
    static EncoderConfig cfg;

    @BeforeAll
    static void load() {
        weights = GoldenReference.tinyRobertaWeights();
        cfg = GoldenReference.tinyRobertaConfig();
    }

    static EncoderGraph graph() {
        return EncoderGraph.build(cfg, weights, new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.CLS, true), false, 0, 0, 0));
    }

    /** Applies a method, gives every added parameter values drawn from its name (so both orders hold the same), runs. */
    static float[] run(String spec) {
        EncoderGraph g = graph();
        AppliedMethod a = Rewriter.apply(g, Methods.parse(spec), 0);
        for (AddedParameter p : a.added().values()) {
            if (p.derived()) continue;
            INDArray v = g.sameDiff().getArrForVarName(p.graphName());
            Random r = new Random(p.graphName().hashCode());
            float[] data = new float[(int) v.length()];
            for (int i = 0; i < data.length; i++) data[i] = (float) (r.nextGaussian() * 0.3);
            v.assign(Nd4j.create(data, v.shape(), 'c'));
        }
        Map<String, INDArray> out = g.sameDiff().output(new EncoderBatch(IDS, null, MASK).placeholders(cfg, 1f), "last_hidden_state", "logits");
        float[] h = out.get("last_hidden_state").dup('c').data().asFloat();
        float[] l = out.get("logits").dup('c').data().asFloat();
        float[] all = java.util.Arrays.copyOf(h, h.length + l.length);
        System.arraycopy(l, 0, all, h.length, l.length);
        return all;
    }

    /** The classification logits [2, 2] at the end of {@link #run}'s output (prompts lengthen the hidden states). */
    static float[] logits(float[] all) {
        return java.util.Arrays.copyOfRange(all, all.length - 4, all.length);
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "same output shape");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** The one-line rejection, or null when the union runs. */
    static String rejection(String spec) {
        try {
            Rewriter.check(graph(), Methods.parse(spec));
            return null;
        } catch (MethodSpecException e) {
            return e.getMessage();
        }
    }

    @Test
    void everyPairOfPresetsRunsTheSameInBothOrdersOrIsRejectedInBoth() {
        List<String> names = new ArrayList<>(PRESETS.keySet());
        List<String> rejected = new ArrayList<>();
        int ran = 0;
        double worst = 0;
        float[] base = run("head");
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                String ab = PRESETS.get(names.get(i)) + "+" + PRESETS.get(names.get(j));
                String ba = PRESETS.get(names.get(j)) + "+" + PRESETS.get(names.get(i));
                String rab = rejection(ab), rba = rejection(ba);
                assertEquals(rab == null, rba == null, "order decides whether " + ab + " runs: " + rab + " / " + rba);
                if (rab != null) {
                    for (String msg : List.of(rab, rba)) {
                        assertFalse(msg.contains("\n"), msg);
                        assertTrue(msg.matches(".*parts '[a-z_]+' and '[a-z_]+' .*(encoder|decoder)\\.(layer\\.\\d+\\.[a-z_]+|embeddings)\\.[a-z_]+.*"), "names two parts and a site: " + msg);
                    }
                    rejected.add(names.get(i) + "+" + names.get(j) + ": " + rab);
                    continue;
                }
                float[] x = run(ab), y = run(ba);
                double d = maxDiff(x, y);
                worst = Math.max(worst, d);
                // float32 sums in another order: a few ulps of values ~10 (CI measured 1.01e-6)
                assertTrue(d <= 5e-6, ab + " vs " + ba + ": max |Δ| " + d);
                boolean changes = !names.get(i).matches("head|bitfit|full") || !names.get(j).matches("head|bitfit|full");
                if (changes) assertTrue(maxDiff(logits(x), logits(base)) > 1e-3, ab + " changes the model");
                ran++;
            }
        }
        System.out.println("unions: " + ran + " pairs run in both orders (worst |Δ| " + worst + "), rejected: " + rejected);
        assertEquals(List.of("houlsby+pfeiffer", "houlsby+sa"), rejected.stream().map(s -> s.substring(0, s.indexOf(':'))).toList(),
                "two sequential adapters at one sub-layer output are the ambiguous pairs");
    }

    @Test
    void prefixUnderLoraOnItsKeysAndValuesRunsInBothOrders() {
        for (String lora : List.of("lora:r=2,targets=k", "lora:r=2,targets=q,v")) {
            float[] a = run("prefix:l=2,mid=0+" + lora), b = run(lora + "+prefix:l=2,mid=0");
            assertTrue(maxDiff(a, b) <= 1e-6, lora + ": " + maxDiff(a, b));
            assertTrue(maxDiff(a, run("prefix:l=2,mid=0")) > 1e-3, "the LoRA acts");
        }
    }

    @Test
    void sequentialAdapterReadsTheLoraModifiedProjection() {
        float[] a = run("houlsby:r=8+lora:r=8,targets=o"), b = run("lora:r=8,targets=o+houlsby:r=8");
        assertTrue(maxDiff(a, b) <= 1e-6, "max |Δ| " + maxDiff(a, b));
    }

    @Test
    void gatedPrefixEqualsConcatPrefixUnderLoraOnQkv() {
        for (String lora : List.of("", "+lora:r=2,targets=q,k,v")) {
            float[] concat = run("prefix:l=3,mid=0,form=concat" + lora), gated = run("prefix:l=3,mid=0,form=gated" + lora);
            assertTrue(maxDiff(concat, gated) <= 1e-5, lora + ": max |Δ| " + maxDiff(concat, gated));
            if (!lora.isEmpty()) assertTrue(maxDiff(concat, run("prefix:l=3,mid=0,form=concat")) > 1e-3, "the LoRA acts");
        }
    }

    @Test
    void ambiguousUnionIsRejectedBeforeTheGraphIsTouched() {
        EncoderGraph g = graph();
        int ops = g.sameDiff().getOps().size();
        String msg = assertThrows(MethodSpecException.class, () -> Rewriter.apply(g, Methods.parse("pfeiffer:r=4+houlsby:r=4"), 0)).getMessage();
        assertEquals("method 'pfeiffer:r=4+houlsby:r=4': parts 'pfeiffer' and 'houlsby_ffn' both write encoder.layer.0.ffn.output at the sequential stage, "
                + "so the result would depend on their order; keep one of them or place them at different sites", msg);
        assertEquals(ops, g.sameDiff().getOps().size(), "nothing was built");
        PetlMethod twoGates = Methods.parse("prefix:l=2,mid=0,form=gated+mam:l=2,r=4,mid=0,form=gated");
        String gates = assertThrows(MethodSpecException.class, () -> Rewriter.check(graph(), twoGates)).getMessage();
        assertTrue(gates.contains("parts 'prefix' and 'mam_prefix' both write encoder.layer.0.self_attn.heads at the attention stage"), gates);
    }

    @Test
    void mergeRefusesANanDelta() {
        EncoderGraph g = graph();
        AppliedMethod a = Rewriter.apply(g, Methods.parse("lora:r=2,targets=q"), 0);
        assertEquals(2, org.petl.core.adapter.LoraMerge.updates(a).size(), "one update per layer");
        g.sameDiff().getArrForVarName("lora.encoder.layer.1.self_attn.q.up.weight").putScalar(0, Float.NaN);
        String msg = assertThrows(IllegalArgumentException.class, () -> org.petl.core.adapter.LoraMerge.merge(a)).getMessage();
        assertEquals("cannot merge part 'lora' at encoder.layer.1.self_attn.q: its delta holds NaN or infinite values", msg);
    }
}
