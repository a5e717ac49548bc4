package org.petl.bench;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.bench.plugin.Ia3Provider;
import org.petl.core.io.Safetensors;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The (IA)³ test plugin, found by ServiceLoader and applied by the one rewriter on the tiny RoBERTa. */
class Ia3PluginTest {

    static final EncoderConfig CFG = new EncoderConfig(EncoderConfig.Family.ROBERTA, 2, 32, 4, 64, 120, 64, 1, 1e-5, "gelu", 1);
    static final int[][] IDS = {{0, 17, 45, 93, 8, 2}, {0, 61, 5, 2, 1, 1}};
    static final int[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};

    static EncoderGraph tinyRoberta() {
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        Path base = Path.of(System.getProperty("petl.shared", Path.of("..", "..", "shared").toString()),
                "golden", "petl-reference", "roberta", "base.safetensors");
        Safetensors.read(base).forEach((k, v) -> weights.put(k.startsWith("roberta.") ? k.substring(8) : k, v));
        return EncoderGraph.build(CFG, weights,
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.CLS, true), false, 0, 0, 0));
    }

    static float[] hidden(EncoderGraph g) {
        Map<String, INDArray> ph = new EncoderBatch(IDS, null, MASK).placeholders(CFG, 1f);
        return g.sameDiff().output(ph, "last_hidden_state").get("last_hidden_state").dup('c').data().asFloat();
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void serviceLoaderFindsThePlugin() {
        assertTrue(Methods.providers().stream().anyMatch(p -> p instanceof Ia3Provider), "ia3 on the class path");
        assertEquals(2, Methods.parse("ia3").modifications().size());
        assertEquals(1, Methods.parse("ia3:layers=1").modifications().stream().map(m -> m.name()).filter(n -> n.equals("ia3_ffn")).count());
        String bad = assertThrows(MethodSpecException.class, () -> Methods.parse("ia3:r=4")).getMessage();
        assertTrue(bad.contains("unknown parameter 'r'") && bad.contains("layers"), bad);
    }

    @Test
    void identityAtInitAndScalingKChangesTheOutput() {
        float[] base = hidden(tinyRoberta());
        EncoderGraph g = tinyRoberta();
        AppliedMethod a = Rewriter.apply(g, Methods.parse("ia3"), 0);
        // 2 layers × (k 32 + v 32 + ffn hidden 64)
        assertEquals(2 * (32 + 32 + 64), a.storedCount());
        List<String> kScales = a.added().keySet().stream().filter(n -> n.startsWith("ia3_attn.") && n.endsWith(".k.scale")).toList();
        assertEquals(2, kScales.size(), a.added().keySet().toString());
        assertTrue(a.trainable().containsAll(a.added().keySet()), "every scale trains");

        float[] init = hidden(g);
        assertTrue(maxDiff(base, init) <= 1e-6, "ones leave the model unchanged: " + maxDiff(base, init));

        for (String k : kScales) g.sameDiff().getArrForVarName(k).assign(2f);
        float[] scaled = hidden(g);
        assertTrue(maxDiff(base, scaled) > 1e-3, "doubling K sharpens attention: " + maxDiff(base, scaled));
    }
}
