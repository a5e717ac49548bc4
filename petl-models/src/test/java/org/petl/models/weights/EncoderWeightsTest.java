package org.petl.models.weights;

import org.junit.jupiter.api.Test;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class EncoderWeightsTest {

    private static final EncoderConfig TINY = EncoderConfig.bert(2, 8, 2, 16, 10);

    private static Map<String, HostTensor> complete(EncoderConfig c) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        EncoderWeights.expectedShapes(c).forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) n *= d;
            m.put(name, new HostTensor(shape.clone(), new float[(int) n]));
        });
        return m;
    }

    @Test
    void completeWeightsPassWithAndWithoutPooler() {
        Map<String, HostTensor> w = complete(TINY);
        assertEquals(5 + 2 * 16, w.size());
        EncoderWeights.check(TINY, w, "tiny");
        w.put(EncoderWeights.POOLER_WEIGHT, new HostTensor(new long[]{8, 8}, new float[64]));
        w.put(EncoderWeights.POOLER_BIAS, new HostTensor(new long[]{8}, new float[8]));
        EncoderWeights.check(TINY, w, "tiny");
    }

    @Test
    void everyProblemIsNamedInOneLine() {
        Map<String, HostTensor> w = complete(TINY);
        w.remove("encoder.layer.1.output.dense.bias");
        w.put("encoder.layer.0.attention.self.query.weight", new HostTensor(new long[]{8, 9}, new float[72]));
        w.put("encoder.layer.0.attention.self.rotary.weight", new HostTensor(new long[]{1}, new float[1]));
        w.remove(EncoderWeights.POOLER_WEIGHT);
        w.put(EncoderWeights.POOLER_BIAS, new HostTensor(new long[]{8}, new float[8]));
        WeightFileException e = assertThrows(WeightFileException.class, () -> EncoderWeights.check(TINY, w, "tiny (t.onnx)"));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("tiny (t.onnx): 4 problems: "), m);
        assertTrue(m.contains("missing encoder.layer.1.output.dense.bias"), m);
        assertTrue(m.contains("encoder.layer.0.attention.self.query.weight has shape [8, 9], expected [8, 8]"), m);
        assertTrue(m.contains("unexpected encoder.layer.0.attention.self.rotary.weight"), m);
        assertTrue(m.contains("missing pooler.dense.weight"), m);
    }

    @Test
    void layerCountMismatchIsSpelledOut() {
        Map<String, HostTensor> w = complete(EncoderConfig.bert(3, 8, 2, 16, 10));
        WeightFileException e = assertThrows(WeightFileException.class, () -> EncoderWeights.check(TINY, w, "tiny"));
        assertTrue(e.getMessage().contains("(the weights have 3 layers, the config 2)"), e.getMessage());
        assertTrue(e.getMessage().contains("16 problems"), e.getMessage());
    }

    @Test
    void tfAndOnnxNamesMapToCanonicalNames() {
        assertEquals("encoder.layer.11.attention.self.query.weight", TfBertImporter.canonicalName("bert/encoder/layer_11/attention/self/query/kernel"));
        assertEquals("encoder.layer.0.output.LayerNorm.weight", TfBertImporter.canonicalName("bert/encoder/layer_0/output/LayerNorm/gamma"));
        assertEquals("embeddings.LayerNorm.bias", TfBertImporter.canonicalName("bert/embeddings/LayerNorm/beta"));
        assertEquals("embeddings.word_embeddings.weight", TfBertImporter.canonicalName("bert/embeddings/word_embeddings"));
        assertEquals("pooler.dense.bias", TfBertImporter.canonicalName("bert/pooler/dense/bias"));
        assertFalse(TfBertImporter.isWeight("bert/encoder/layer_0/output/dense/kernel/adam_m"));
        assertFalse(TfBertImporter.isWeight("global_step"));
        assertEquals("encoder.layer.5.intermediate.dense.weight", OnnxImporter.canonicalMatMulName("/encoder/layer.5/intermediate/dense/MatMul"));
        assertNull(OnnxImporter.canonicalMatMulName("/encoder/layer.5/attention/self/MatMul_1"));
    }
}
