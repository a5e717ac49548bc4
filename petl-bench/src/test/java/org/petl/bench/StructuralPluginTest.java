package org.petl.bench;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.bench.plugin.SuffixProvider;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Architecture;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;
import org.petl.core.method.ParameterReport;
import org.petl.core.method.Rewriter;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A structural plugin (suffix tuning: the input gets longer), found by ServiceLoader, planned, ordered and checked by the rewriter. */
class StructuralPluginTest {

    static Map<String, INDArray> run(EncoderGraph g) {
        return g.sameDiff().output(new EncoderBatch(Ia3PluginTest.IDS, null, Ia3PluginTest.MASK).placeholders(Ia3PluginTest.CFG, 1f), "last_hidden_state", "logits");
    }

    @Test
    void suffixPluginLengthensTheInputThroughTheRewriter() {
        assertTrue(Methods.providers().stream().anyMatch(p -> p instanceof SuffixProvider), "suffix on the class path");
        assertEquals(java.util.List.of("suffix: 2 learned embeddings appended to the encoder input"), Methods.describe(Methods.parse("suffix:l=2")));
        Map<String, INDArray> base = run(Ia3PluginTest.tinyRoberta());
        EncoderGraph g = Ia3PluginTest.tinyRoberta();
        AppliedMethod a = Rewriter.apply(g, Methods.parse("suffix:l=2"), 3);
        assertEquals(2 * 32, a.storedCount());
        assertEquals(java.util.List.of("suffix.encoder.embeddings.sum.embedding"), java.util.List.copyOf(a.added().keySet()));
        Map<String, INDArray> out = run(g);
        assertArrayEquals(new long[]{2, 8, 32}, out.get("last_hidden_state").shape(), "two positions more");
        assertTrue(out.get("logits").sub(base.get("logits")).amaxNumber().doubleValue() > 1e-4, "the CLS token attends to the suffix");
        assertEquals(2L * 768, ParameterReport.of(Architecture.named("roberta-base"), Methods.parse("suffix:l=2")).trainable());
    }

    @Test
    void structuralPartsAreOrderedAndConflictCheckedLikeBuiltIns() {
        String msg = assertThrows(MethodSpecException.class, () -> Rewriter.check(Ia3PluginTest.tinyRoberta(), Methods.parse("prompt:l=2+suffix:l=2"))).getMessage();
        assertTrue(msg.matches("method 'prompt:l=2\\+suffix:l=2': parts 'prompt' and 'suffix' both write encoder\\.embeddings\\.(sum|mask) at the extend stage, "
                + "so the result would depend on their order; keep one of them or place them at different sites"), msg);
        EncoderGraph x = Ia3PluginTest.tinyRoberta(), y = Ia3PluginTest.tinyRoberta();
        Rewriter.apply(x, Methods.parse("suffix:l=2+houlsby:r=4"), 0);
        Rewriter.apply(y, Methods.parse("houlsby:r=4+suffix:l=2"), 0);
        for (String n : x.sameDiff().variableMap().keySet()) {
            if (n.startsWith("suffix.") || n.startsWith("houlsby")) y.sameDiff().getArrForVarName(n).assign(x.sameDiff().getArrForVarName(n).add(0.1));
            if (n.startsWith("suffix.") || n.startsWith("houlsby")) x.sameDiff().getArrForVarName(n).addi(0.1);
        }
        assertEquals(0.0, run(x).get("logits").sub(run(y).get("logits")).amaxNumber().doubleValue(), 1e-6);
    }
}
