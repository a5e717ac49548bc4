package org.petl.models.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.TestModels;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class OnnxImporterTest {

    @Test
    void miniLmWeightsAreAllFoundWithTheirShapes() {
        PretrainedEncoder m = TestModels.load("minilm-l6");
        assertEquals(5 + 6 * 16, m.weights().size());
        assertTrue(m.headWeights().isEmpty(), () -> "unexpected head tensors " + m.headWeights().keySet());
        assertArrayEquals(new long[]{1536, 384}, m.weights().get("encoder.layer.5.intermediate.dense.weight").shape());
        assertArrayEquals(new long[]{384, 1536}, m.weights().get("encoder.layer.5.output.dense.weight").shape());
        assertNotNull(m.onnxFile());
        for (HostTensor t : m.weights().values()) for (float v : t.data()) assertTrue(Float.isFinite(v));
    }

    @Test
    void matMulWeightsAreTransposedToOutIn() throws IOException {
        PretrainedEncoder m = TestModels.load("minilm-l6");
        OnnxGraph g;
        try (InputStream in = Files.newInputStream(m.onnxFile())) {
            g = OnnxGraph.read(in, "minilm");
        }
        OnnxGraph.Node query = g.nodes().stream().filter(n -> n.name().equals("/encoder/layer.2/attention/self/query/MatMul")).findFirst().orElseThrow();
        HostTensor raw = g.initializers().get(query.inputs().get(1)); // [in, out]
        HostTensor w = m.weights().get("encoder.layer.2.attention.self.query.weight"); // [out, in]
        int d = 384;
        for (int[] ij : new int[][]{{0, 1}, {5, 300}, {383, 17}}) {
            assertEquals(raw.data()[ij[0] * d + ij[1]], w.data()[ij[1] * d + ij[0]]);
        }
    }

    @Test
    void bgeSmallWeightsAreAllFound() {
        PretrainedEncoder m = TestModels.load("bge-small");
        assertEquals(12, m.config().layers());
        assertEquals(5 + 12 * 16, m.weights().size());
        assertNotNull(m.tokenizer());
    }

    @Test
    void bgeWeightsDoNotPassAsMiniLm() {
        PretrainedEncoder bge = TestModels.load("bge-small");
        WeightFileException e = assertThrows(WeightFileException.class,
                () -> EncoderWeights.check(ModelStore.knownConfig("minilm-l6"), bge.weights(), "minilm-l6 (bge-small-en-v1.5.onnx)"));
        String m = e.getMessage();
        assertFalse(m.contains("\n"));
        assertTrue(m.startsWith("minilm-l6 (bge-small-en-v1.5.onnx): 96 problems (the weights have 12 layers, the config 6): unexpected encoder.layer.6."), m);
    }

    @Test
    void truncatedOnnxFileFailsInOneLine(@TempDir Path tmp) throws IOException {
        Path src = TestModels.load("minilm-l6").onnxFile();
        Path cut = tmp.resolve("cut.onnx");
        try (InputStream in = Files.newInputStream(src); OutputStream out = Files.newOutputStream(cut)) {
            out.write(in.readNBytes(3_000_000));
        }
        WeightFileException e = assertThrows(WeightFileException.class, () -> OnnxImporter.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": not a readable ONNX model"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertThrows(WeightFileException.class, () -> OnnxImporter.read(tmp.resolve("missing.onnx")));
    }

    @Test
    void weightsAreWhatTheCheckExpects() {
        Map<String, long[]> expected = EncoderWeights.expectedShapes(ModelStore.knownConfig("bge-small"));
        assertEquals(expected.keySet(), TestModels.load("bge-small").weights().keySet());
    }
}
