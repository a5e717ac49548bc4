package org.petl.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.petl.core.io.WeightFileException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference forward pass: runs an original ONNX encoder graph (MiniLM, bge exports from the langchain4j
 * jars) with onnxruntime and returns {@code last_hidden_state}. The SameDiff encoder is checked against it.
 * Inputs are int64 [B, T]; {@code token_type_ids} is fed only if the graph declares it.
 */
public final class OnnxOracle implements AutoCloseable {

    public static final String OUTPUT = "last_hidden_state";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Path onnxFile;

    public OnnxOracle(Path onnxFile) {
        if (!Files.isRegularFile(onnxFile)) throw new WeightFileException(onnxFile + ": ONNX model not found");
        this.onnxFile = onnxFile;
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            // one intra-op thread: deterministic and polite on shared machines
            opts.setIntraOpNumThreads(1);
            this.session = env.createSession(onnxFile.toString(), opts);
        } catch (OrtException e) {
            throw new WeightFileException(onnxFile + ": onnxruntime cannot load the model (" + String.valueOf(e.getMessage()).replace('\n', ' ') + ")");
        }
        if (!session.getOutputNames().contains(OUTPUT)) {
            throw new WeightFileException(onnxFile + ": graph has no output '" + OUTPUT + "' (outputs: " + session.getOutputNames() + ")");
        }
    }

    public Set<String> inputNames() {
        return session.getInputNames();
    }

    /** {@code last_hidden_state} [B][T][d] for int64 inputs [B][T]. */
    public float[][][] lastHiddenState(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds) {
        Map<String, long[][]> feeds = new HashMap<>();
        feeds.put("input_ids", inputIds);
        feeds.put("attention_mask", attentionMask);
        feeds.put("token_type_ids", tokenTypeIds);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            for (String name : session.getInputNames()) {
                long[][] v = feeds.get(name);
                if (v == null) throw new IllegalArgumentException(onnxFile + ": graph input '" + name + "' is not one the oracle feeds");
                inputs.put(name, OnnxTensor.createTensor(env, v));
            }
            try (OrtSession.Result r = session.run(inputs, Set.of(OUTPUT))) {
                return (float[][][]) r.get(0).getValue();
            }
        } catch (OrtException e) {
            throw new IllegalStateException(onnxFile + ": onnxruntime run failed (" + String.valueOf(e.getMessage()).replace('\n', ' ') + ")", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(onnxFile + ": cannot close session", e);
        }
    }

    /** The names of the graph's inputs and outputs, for diagnostics. */
    public List<String> describe() {
        return List.of("inputs " + session.getInputNames(), "outputs " + session.getOutputNames());
    }
}
