package org.petl.bench;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.models.tokenize.TokenBatch;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OnnxOracleTest {

    private static final List<String> SENTENCES = List.of(
            "The cat sat on the mat.",
            "Parameter-efficient transfer learning tunes a small number of extra parameters.",
            "Hello!");

    @ParameterizedTest
    @ValueSource(strings = {"minilm-l6", "bge-small"})
    void lastHiddenStateHasTheRightShapeAndIsFinite(String name) {
        PretrainedEncoder model = ModelStore.resolve(name);
        TokenBatch batch = model.tokenizer().encode(SENTENCES, 128);
        try (OnnxOracle oracle = new OnnxOracle(model.onnxFile())) {
            assertTrue(oracle.inputNames().containsAll(List.of("input_ids", "attention_mask")), oracle.describe()::toString);
            float[][][] h = oracle.lastHiddenState(batch.inputIds(), batch.attentionMask(), batch.tokenTypeIds());
            assertEquals(3, h.length);
            assertEquals(batch.length(), h[0].length);
            assertEquals(model.config().hidden(), h[0][0].length);
            for (float[][] row : h) for (float[] tok : row) for (float v : tok) assertTrue(Float.isFinite(v));
            // padding does not change the real tokens: "Hello!" alone gives the same vectors
            TokenBatch alone = model.tokenizer().encode(List.of(SENTENCES.get(2)), 128);
            float[][][] h1 = oracle.lastHiddenState(alone.inputIds(), alone.attentionMask(), alone.tokenTypeIds());
            for (int t = 0; t < alone.length(); t++) {
                for (int k = 0; k < h1[0][t].length; k++) assertEquals(h1[0][t][k], h[2][t][k], 1e-4f);
            }
        }
    }
}
