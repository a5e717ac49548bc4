package org.petl.tasks.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** AdamW, schedules, clipping, label smoothing and accumulation against arithmetic written out in doubles. */
class OptimTest {

    static INDArray vec(double... x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return Nd4j.createFromArray(f);
    }

    static void assertVec(double[] want, INDArray got, double tol) {
        assertEquals(want.length, got.length());
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got.getDouble(i), tol, "element " + i);
    }

    @Test
    void adamWFirstStepByHand() {
        // lr 0.1, wd 0.01, β1 0.9, β2 0.999, ε 1e-8; p = [1, -2], g = [0.5, 0.1]
        AdamW opt = AdamW.withHfDecayRule(AdamW.Config.defaults(0.01));
        Map<String, INDArray> p = new LinkedHashMap<>(Map.of("dense.weight", vec(1, -2)));
        opt.step(p, Map.of("dense.weight", vec(0.5, 0.1)), 0.1);
        // decay: 1*(1-0.001) = 0.999, -2*(1-0.001) = -1.998
        // m = 0.1*g = [0.05, 0.01]; v = 0.001*g² = [0.00025, 0.00001]
        // m̂ = m/0.1 = g; sqrt(v̂) = sqrt(v/0.001) = |g|; update = 0.1 * g/(|g| + 1e-8)
        double u0 = 0.1 * 0.5 / (0.5 + 1e-8), u1 = 0.1 * 0.1 / (0.1 + 1e-8);
        assertVec(new double[]{0.999 - u0, -1.998 - u1}, p.get("dense.weight"), 1e-6);
        assertEquals(1, opt.step());
    }

    @Test
    void adamWSeveralStepsAgainstADoubleReference() {
        double lr = 0.05, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double[][] grads = {{0.3, -1.0}, {-0.2, 0.5}, {0.4, 0.25}};
        AdamW opt = AdamW.withHfDecayRule(new AdamW.Config(b1, b2, eps, wd));
        Map<String, INDArray> p = Map.of("w", vec(0.5, 1.5));
        double[] pr = {0.5, 1.5}, m = new double[2], v = new double[2];
        for (int t = 1; t <= grads.length; t++) {
            opt.step(p, Map.of("w", vec(grads[t - 1])), lr);
            for (int i = 0; i < 2; i++) {
                double g = grads[t - 1][i];
                pr[i] -= lr * wd * pr[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
                pr[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
            assertVec(pr, p.get("w"), 1e-5);
        }
        // step 2 written out for element 0: after step 1 p = 0.5*0.995 - 0.05 = 0.4475
        // m = 0.9*0.03 + 0.1*(-0.2) = 0.007; v = 0.999*0.00009 + 0.001*0.04 = 0.00012991
        // m̂ = 0.007/0.19 ; v̂ = 0.00012991/0.001999
        double p2 = 0.4475 * 0.995 - 0.05 * (0.007 / 0.19) / (Math.sqrt(0.00012991 / 0.001999) + 1e-8);
        AdamW again = AdamW.withHfDecayRule(new AdamW.Config(b1, b2, eps, wd));
        Map<String, INDArray> q = Map.of("w", vec(0.5, 1.5));
        again.step(q, Map.of("w", vec(grads[0])), lr);
        assertEquals(0.4475, q.get("w").getDouble(0), 1e-6);
        again.step(q, Map.of("w", vec(grads[1])), lr);
        assertEquals(p2, q.get("w").getDouble(0), 1e-6);
    }

    /**
     * The paper's en-ro optimizer (β2 0.98, ε 1e-6) over five steps, against the update written out in doubles with
     * both bias corrections. One large first gradient, then small ones: β2 decides how long it dominates v, and
     * gradients of 1e-7 to 1e-5 put ε at the size of sqrt(v̂), so an ignored β2 or ε would show.
     */
    @Test
    void adamWWithTheEnRoBetaAndEpsilonFollowsTheFormula() {
        double lr = 1e-3, wd = 0.01, b1 = 0.9, b2 = 0.98, eps = 1e-6;
        double[][] grads = {{3e-5, -1e-4, 2e-7}, {-2e-6, 4e-6, 1e-7}, {5e-6, 1e-6, -3e-7}, {1e-6, -8e-6, 2e-7}, {-4e-6, 2e-6, 5e-7}};
        double[] start = {0.5, -0.25, 1.0};
        AdamW opt = AdamW.withHfDecayRule(new AdamW.Config(b1, b2, eps, wd));
        Map<String, INDArray> p = Map.of("w", vec(start));
        double[] pr = start.clone(), m = new double[3], v = new double[3];
        for (int t = 1; t <= grads.length; t++) {
            opt.step(p, Map.of("w", vec(grads[t - 1])), lr);
            double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < 3; i++) {
                double g = grads[t - 1][i];
                pr[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                pr[i] -= lr * (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + eps);
            }
            assertVec(pr, p.get("w"), 1e-6);
        }
        // step 1 by hand for element 2: m̂ = g, sqrt(v̂) = |g|, so the step is lr·g/(|g| + ε) = 1e-3·2e-7/1.2e-6
        AdamW once = AdamW.withHfDecayRule(new AdamW.Config(b1, b2, eps, wd));
        Map<String, INDArray> r = Map.of("w", vec(start));
        once.step(r, Map.of("w", vec(grads[0])), lr);
        assertEquals(1.0 * (1 - 1e-5) - 1e-3 / 6, r.get("w").getDouble(2), 3e-7);
        // PyTorch's β2 alone, or its ε alone, ends more than 1e-5 away: the tolerance above tells them apart
        for (AdamW.Config other : new AdamW.Config[]{new AdamW.Config(b1, 0.999, eps, wd), new AdamW.Config(b1, b2, 1e-8, wd)}) {
            AdamW o = AdamW.withHfDecayRule(other);
            Map<String, INDArray> q = Map.of("w", vec(start));
            for (double[] g : grads) o.step(q, Map.of("w", vec(g)), lr);
            double far = 0;
            for (int i = 0; i < 3; i++) far = Math.max(far, Math.abs(q.get("w").getDouble(i) - pr[i]));
            assertTrue(far > 1e-5, other + " ends only " + far + " away");
        }
    }

    @Test
    void weightDecaySkipsBiasesAndLayerNorm() {
        AdamW opt = AdamW.withHfDecayRule(AdamW.Config.defaults(0.5));
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("encoder.layer.0.output.dense.weight", vec(2, 4));
        p.put("encoder.layer.0.output.dense.bias", vec(2, 4));
        p.put("encoder.layer.0.output.LayerNorm.weight", vec(2, 4));
        Map<String, INDArray> g = new LinkedHashMap<>();
        for (String k : p.keySet()) g.put(k, vec(0, 0)); // zero grads: only decay can move a parameter
        opt.step(p, g, 0.1);
        assertVec(new double[]{2 * 0.95, 4 * 0.95}, p.get("encoder.layer.0.output.dense.weight"), 1e-6);
        assertVec(new double[]{2, 4}, p.get("encoder.layer.0.output.dense.bias"), 0);
        assertVec(new double[]{2, 4}, p.get("encoder.layer.0.output.LayerNorm.weight"), 0);
        assertFalse(AdamW.hfDecay("lora_B.bias"));
        assertFalse(AdamW.hfDecay("decoder.layers.0.self_attn_layer_norm.weight"));
        assertTrue(AdamW.hfDecay("prefix.embedding.weight"));
    }

    @Test
    void adamWStateExportsAndResumesExactly() {
        AdamW a = AdamW.withHfDecayRule(AdamW.Config.defaults(0.01));
        Map<String, INDArray> pa = Map.of("w", vec(1, 2, 3), "b", vec(0.5));
        a.step(pa, Map.of("w", vec(0.1, -0.2, 0.3), "b", vec(1)), 1e-2);
        a.step(pa, Map.of("w", vec(-0.1, 0.2, 0.05), "b", vec(-1)), 1e-2);
        var state = a.exportState();
        assertEquals(Map.of("step", 1, "w.exp_avg", 1, "w.exp_avg_sq", 1, "b.exp_avg", 1, "b.exp_avg_sq", 1).keySet(), state.keySet());
        AdamW b = AdamW.withHfDecayRule(AdamW.Config.defaults(0.01));
        b.importState(state);
        assertEquals(2, b.step());
        Map<String, INDArray> pb = Map.of("w", pa.get("w").dup(), "b", pa.get("b").dup());
        a.step(pa, Map.of("w", vec(0.3, 0.3, 0.3), "b", vec(2)), 1e-2);
        b.step(pb, Map.of("w", vec(0.3, 0.3, 0.3), "b", vec(2)), 1e-2);
        assertEquals(pa.get("w"), pb.get("w"));
        assertEquals(pa.get("b"), pb.get("b"));
    }

    @Test
    void adamWRejectsMismatchedGradients() {
        AdamW a = AdamW.withHfDecayRule(AdamW.Config.defaults(0));
        var e = assertThrows(IllegalArgumentException.class, () -> a.step(Map.of("w", vec(1)), Map.of("v", vec(1)), 0.1));
        assertEquals("gradients do not match parameters; missing [w], unexpected [v]", e.getMessage());
    }

    @Test
    void schedules() {
        var lin = new LrSchedule.Linear(1e-3, 10, 110);
        assertEquals(0.0, lin.lr(0)); // HF: the first update runs at lr 0 when warming up
        assertEquals(5e-4, lin.lr(5), 1e-15);
        assertEquals(1e-3, lin.lr(10), 1e-15); // warmup end = peak
        assertEquals(5e-4, lin.lr(60), 1e-15); // halfway through the decay
        assertEquals(0.0, lin.lr(110), 1e-15); // decay end
        assertEquals(0.0, lin.lr(500));
        var poly = new LrSchedule.Polynomial(1e-3, 10, 110, 2.0, 1e-5);
        assertEquals(1e-3, poly.lr(10), 1e-15);
        assertEquals((1e-3 - 1e-5) * 0.25 + 1e-5, poly.lr(60), 1e-15);
        assertEquals(1e-5, poly.lr(110), 1e-15);
        assertEquals(1e-5, poly.lr(1000), 1e-15);
        var one = new LrSchedule.Polynomial(1e-3, 10, 110, 1.0, 0.0);
        for (long s = 0; s <= 120; s += 7) assertEquals(lin.lr(s), one.lr(s), 1e-15);
        var c = new LrSchedule.Constant(2e-4, 4);
        assertEquals(1e-4, c.lr(2), 1e-15);
        assertEquals(2e-4, c.lr(4));
        assertEquals(2e-4, c.lr(1_000_000));
        assertEquals(60, LrSchedule.warmupFromRatio(0.06, 1000));
        assertEquals(3, LrSchedule.warmupFromRatio(0.1, 25)); // ceil(2.5)
        assertEquals(1e-3, new LrSchedule.Linear(1e-3, 0, 10).lr(0));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule.Linear(1e-3, 20, 10));
    }

    @Test
    void clipping() {
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("a", vec(3, 4)); // 9 + 16
        g.put("b", vec(12)); // 144 -> total sqrt(169) = 13
        assertEquals(13.0, GradClip.clipByGlobalNorm(g, 100.0), 1e-6);
        assertVec(new double[]{3, 4}, g.get("a"), 0); // under the max: untouched
        assertEquals(13.0, GradClip.clipByGlobalNorm(g, 6.5), 1e-6);
        double coef = 6.5 / (13 + 1e-6);
        assertVec(new double[]{3 * coef, 4 * coef}, g.get("a"), 1e-6);
        assertVec(new double[]{12 * coef}, g.get("b"), 1e-6);
        assertEquals(6.5, GradClip.globalNorm(g), 1e-5);
        Map<String, INDArray> nan = Map.of("a", vec(Double.NaN, 1));
        assertTrue(Double.isNaN(GradClip.clipByGlobalNorm(nan, 1.0)));
        assertEquals(1.0, nan.get("a").getDouble(1)); // left for the divergence guard to report
    }

    @Test
    void labelSmoothedCrossEntropyByHand() {
        // logits [1,2,3], label 0: logsumexp = ln(e + e² + e³) = 3.4076059644443806
        // −log p = [2.40760596, 1.40760596, 0.40760596]; mean = 1.40760596
        double lse = Math.log(Math.E + Math.exp(2) + Math.exp(3));
        assertEquals(3.4076059644443806, lse, 1e-12);
        double loss0 = 0.9 * (lse - 1) + 0.1 * ((lse - 1) + (lse - 2) + (lse - 3)) / 3; // = 2.3076059644
        assertEquals(2.3076059644443806, loss0, 1e-12);
        // logits [0,0,0], label 2: every −log p is ln 3, whatever ε
        double loss1 = Math.log(3);
        double[][] logits = {{1, 2, 3}, {0, 0, 0}};
        assertEquals((loss0 + loss1) / 2, CrossEntropy.labelSmoothed(logits, new int[]{0, 2}, 0.1), 1e-12);
        assertEquals(lse - 1, CrossEntropy.labelSmoothed(new double[][]{{1, 2, 3}}, new int[]{0}, 0.0), 1e-12);
        // ignored labels (-100) drop out of the mean
        assertEquals(loss0, CrossEntropy.labelSmoothed(logits, new int[]{0, -100}, 0.1), 1e-12);
        // shift invariance (stable log-softmax), and the INDArray overload
        assertEquals(loss0, CrossEntropy.labelSmoothed(new double[][]{{1001, 1002, 1003}}, new int[]{0}, 0.1), 1e-9);
        assertEquals((loss0 + loss1) / 2, CrossEntropy.labelSmoothed(Nd4j.createFromArray(logits), new int[]{0, 2}, 0.1), 1e-12);
    }

    @Test
    void accumulationAveragesMicroBatches() {
        GradAccumulator acc = new GradAccumulator();
        INDArray reused = vec(1, 2);
        acc.add(Map.of("w", reused));
        reused.assign(vec(3, 6)); // the graph may overwrite its buffer; the accumulator copied it
        acc.add(Map.of("w", reused));
        acc.add(Map.of("w", vec(5, 1)));
        assertEquals(3, acc.count());
        assertVec(new double[]{3, 3}, acc.average().get("w"), 1e-6);
        assertEquals(0, acc.count());
        acc.add(Map.of("w", vec(1)), 3); // 3 examples
        acc.add(Map.of("w", vec(5)), 1); // 1 example
        assertVec(new double[]{2}, acc.average().get("w"), 1e-6);
        assertThrows(IllegalStateException.class, acc::average);
    }
}
