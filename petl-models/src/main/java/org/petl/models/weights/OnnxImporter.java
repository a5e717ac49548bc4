package org.petl.models.weights;

import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Encoder weights from an ONNX export of a Hugging Face BertModel (as shipped in the langchain4j embedding
 * jars). Embeddings, LayerNorms and biases are initializers under their HF names; the Linear weights are
 * anonymous initializers ({@code onnx::MatMul_787}, [in, out]) that are named here after the MatMul node that
 * consumes them ({@code /encoder/layer.0/attention/self/query/MatMul} becomes
 * {@code encoder.layer.0.attention.self.query.weight}) and transposed to [out, in].
 */
public final class OnnxImporter {

    private OnnxImporter() {
    }

    public static ImportedWeights read(Path onnxFile) {
        try (InputStream in = Files.newInputStream(onnxFile)) {
            return fromGraph(OnnxGraph.read(in, onnxFile.toString()), onnxFile.toString());
        } catch (IOException e) {
            throw new WeightFileException(onnxFile + ": cannot read ONNX model (" + e.getMessage() + ")");
        }
    }

    public static ImportedWeights fromGraph(OnnxGraph graph, String source) {
        Map<String, HostTensor> inits = graph.initializers();
        Map<String, HostTensor> encoder = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (OnnxGraph.Node node : graph.nodes()) {
            if (!node.opType().equals("MatMul") || node.inputs().size() != 2) continue;
            String weight = node.inputs().get(1);
            HostTensor w = inits.get(weight);
            if (w == null || w.rank() != 2) continue;
            String name = canonicalMatMulName(node.name());
            if (name == null) continue;
            if (encoder.containsKey(name)) throw new WeightFileException(source + ": two MatMul nodes map to " + name);
            encoder.put(name, w.transpose2d());
            used.add(weight);
        }
        Map<String, HostTensor> head = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : inits.entrySet()) {
            if (used.contains(e.getKey())) continue;
            if (EncoderWeights.isEncoderName(e.getKey())) encoder.put(e.getKey(), e.getValue());
            else head.put(e.getKey(), e.getValue());
        }
        return new ImportedWeights(encoder, head);
    }

    /** {@code /encoder/layer.3/output/dense/MatMul} to {@code encoder.layer.3.output.dense.weight}; null if not a Linear. */
    static String canonicalMatMulName(String nodeName) {
        if (!nodeName.startsWith("/") || !nodeName.endsWith("/MatMul")) return null;
        String path = nodeName.substring(1, nodeName.length() - "/MatMul".length()).replace('/', '.');
        // strip a leading "bert." / "roberta." in case the export wrapped the model
        for (String prefix : new String[]{"bert.", "roberta."}) if (path.startsWith(prefix)) path = path.substring(prefix.length());
        return path + ".weight";
    }
}
