package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.models.graph.EncoderGraph;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adapter files record each tensor's transposition: a plugin's square weights reload exactly as they were. */
class AdapterLayoutPluginTest {

    @Test
    void squarePluginWeightsReloadUnchanged(@TempDir Path dir) throws Exception {
        EncoderGraph g = Ia3PluginTest.tinyRoberta();
        AppliedMethod a = Rewriter.apply(g, Methods.parse("sqmix"), 3);
        String w = "sqmix.encoder.layer.0.self_attn.output.mix.weight", gain = "sqmix.encoder.layer.0.self_attn.output.gain";
        assertArrayEquals(new long[]{32, 32}, g.sameDiff().getArrForVarName(w).shape(), "square: the shape says nothing about the layout");
        for (String n : a.trainable()) g.sameDiff().getArrForVarName(n).assign(Nd4j.rand(g.sameDiff().getArrForVarName(n).shape()));
        float[] before = Ia3PluginTest.hidden(g);
        AdapterFiles.save(a, dir, "tiny-roberta");

        JsonNode layout = new ObjectMapper().readTree(dir.resolve(AdapterFiles.PETL_CONFIG).toFile()).path("tensors").path(AdapterFiles.WEIGHTS);
        assertTrue(layout.path(w).path("transposed").asBoolean(false), "the Linear weight is recorded as transposed: " + layout);
        assertEquals(false, layout.path(gain).path("transposed").asBoolean(true), "the plain matrix is recorded as not transposed: " + layout);
        Map<String, HostTensor> stored = Safetensors.read(dir.resolve(AdapterFiles.WEIGHTS));
        INDArray graphW = g.sameDiff().getArrForVarName(w);
        assertEquals(graphW.transpose().getFloat(1, 0), stored.get(w).data()[32], "stored as [out, in]");

        EncoderGraph fresh = Ia3PluginTest.tinyRoberta();
        AdapterFiles.Loaded loaded = AdapterFiles.load(dir, fresh);
        for (String n : a.trainable()) {
            if (!loaded.added().containsKey(n)) continue;
            assertEquals(g.sameDiff().getArrForVarName(n), loaded.added().get(n), n + " reloads unchanged");
        }
        assertTrue(loaded.added().keySet().containsAll(java.util.List.of(w, gain)), loaded.added().keySet().toString());
        Rewriter.apply(fresh, loaded.method(), 99, loaded.added());
        AdapterFiles.assignBase(fresh, loaded.base(), dir);
        assertTrue(Ia3PluginTest.maxDiff(before, Ia3PluginTest.hidden(fresh)) <= 1e-6, "same outputs after the round trip");
    }
}
