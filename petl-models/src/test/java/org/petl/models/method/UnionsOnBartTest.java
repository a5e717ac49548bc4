package org.petl.models.method;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.method.AddedParameter;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.models.GoldenReference;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.ModelGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UnionsTest}'s pair matrix on the paper code's tiny BART (encoder self-, decoder self- and cross-attention):
 * every pair of presets, typed in both orders, runs with the same lm_logits in both orders or is rejected in both
 * with one line naming the two parts and the site
 * (lm_logits agree within 1e-5 absolute: they are ~10x the hidden states' scale; measured worst 2.3e-6).
 */
class UnionsOnBartTest {

    static ConformanceRunner.Seq2SeqCase base;

    @BeforeAll
    static void load() {
        base = ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve("bart").resolve("base"));
    }

    static float[] run(String spec) {
        Seq2SeqLm lm = Seq2SeqLm.build(base.description(), base.weights(), ModelGraph.Options.inference());
        AppliedMethod a = Rewriter.apply(lm.graph(), Methods.parse(spec), 0);
        for (AddedParameter p : a.added().values()) {
            if (p.derived()) continue;
            INDArray v = lm.graph().sameDiff().getArrForVarName(p.graphName());
            Random r = new Random(p.graphName().hashCode());
            float[] data = new float[(int) v.length()];
            for (int i = 0; i < data.length; i++) data[i] = (float) (r.nextGaussian() * 0.3);
            v.assign(Nd4j.create(data, v.shape(), 'c'));
        }
        return lm.graph().sameDiff().output(base.batch().placeholders(base.description(), 1f), Seq2SeqLm.LOGITS)
                .get(Seq2SeqLm.LOGITS).dup('c').data().asFloat();
    }

    static String rejection(String spec) {
        try {
            Rewriter.check(Seq2SeqLm.build(base.description(), base.weights(), ModelGraph.Options.inference()).graph(), Methods.parse(spec));
            return null;
        } catch (MethodSpecException e) {
            return e.getMessage();
        }
    }

    @Test
    void everyPairOfPresetsRunsTheSameInBothOrdersOrIsRejectedInBoth() {
        List<String> names = new ArrayList<>(UnionsTest.PRESETS.keySet());
        List<String> rejected = new ArrayList<>();
        int ran = 0;
        double worst = 0;
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                String ab = UnionsTest.PRESETS.get(names.get(i)) + "+" + UnionsTest.PRESETS.get(names.get(j));
                String ba = UnionsTest.PRESETS.get(names.get(j)) + "+" + UnionsTest.PRESETS.get(names.get(i));
                String rab = rejection(ab), rba = rejection(ba);
                assertEquals(rab == null, rba == null, "order decides whether " + ab + " runs: " + rab + " / " + rba);
                if (rab != null) {
                    for (String msg : List.of(rab, rba)) {
                        assertFalse(msg.contains("\n"), msg);
                        assertTrue(msg.matches(".*parts '[a-z_]+' and '[a-z_]+' .*(encoder|decoder)\\.(layer\\.\\d+\\.[a-z_]+|embeddings)\\.[a-z_]+.*"), "names two parts and a site: " + msg);
                    }
                    rejected.add(names.get(i) + "+" + names.get(j));
                    continue;
                }
                double d = UnionsTest.maxDiff(run(ab), run(ba));
                worst = Math.max(worst, d);
                assertTrue(d <= 1e-5, ab + " vs " + ba + ": max |Δ| " + d);
                ran++;
            }
        }
        System.out.println("BART unions: " + ran + " pairs run in both orders (worst |Δ| " + worst + "), rejected: " + rejected);
        assertEquals(List.of("houlsby+pfeiffer", "houlsby+sa"), rejected, "two sequential adapters at one sub-layer output are the ambiguous pairs");
    }
}
