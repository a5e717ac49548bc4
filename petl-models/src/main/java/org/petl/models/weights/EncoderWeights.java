package org.petl.models.weights;

import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The canonical encoder tensor names and shapes, and the one check every importer's output goes through. */
public final class EncoderWeights {

    public static final String POOLER_WEIGHT = "pooler.dense.weight";
    public static final String POOLER_BIAS = "pooler.dense.bias";
    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    private EncoderWeights() {
    }

    /** Required tensors (name to shape) in canonical order; the pooler is optional and not listed. */
    public static Map<String, long[]> expectedShapes(EncoderConfig c) {
        long d = c.hidden(), f = c.ffn();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("embeddings.word_embeddings.weight", new long[]{c.vocab(), d});
        m.put("embeddings.position_embeddings.weight", new long[]{c.maxPositions(), d});
        m.put("embeddings.token_type_embeddings.weight", new long[]{c.typeVocab(), d});
        m.put("embeddings.LayerNorm.weight", new long[]{d});
        m.put("embeddings.LayerNorm.bias", new long[]{d});
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layer." + i + ".";
            for (String qkv : new String[]{"query", "key", "value"}) {
                m.put(p + "attention.self." + qkv + ".weight", new long[]{d, d});
                m.put(p + "attention.self." + qkv + ".bias", new long[]{d});
            }
            m.put(p + "attention.output.dense.weight", new long[]{d, d});
            m.put(p + "attention.output.dense.bias", new long[]{d});
            m.put(p + "attention.output.LayerNorm.weight", new long[]{d});
            m.put(p + "attention.output.LayerNorm.bias", new long[]{d});
            m.put(p + "intermediate.dense.weight", new long[]{f, d});
            m.put(p + "intermediate.dense.bias", new long[]{f});
            m.put(p + "output.dense.weight", new long[]{d, f});
            m.put(p + "output.dense.bias", new long[]{d});
            m.put(p + "output.LayerNorm.weight", new long[]{d});
            m.put(p + "output.LayerNorm.bias", new long[]{d});
        }
        return m;
    }

    /** Whether a canonical name belongs to the encoder (embeddings, layers, pooler) rather than a head. */
    public static boolean isEncoderName(String name) {
        return name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("pooler.");
    }

    /**
     * Throws one {@link WeightFileException} listing every missing, unexpected or mis-shaped tensor, e.g.
     * {@code minilm-l6 (all-minilm-l6-v2.onnx): 2 problems: missing ...; ... has shape [384, 385], expected [384, 384]}.
     */
    public static void check(EncoderConfig config, Map<String, HostTensor> weights, String source) {
        Map<String, long[]> expected = new LinkedHashMap<>(expectedShapes(config));
        expected.put(POOLER_WEIGHT, new long[]{config.hidden(), config.hidden()});
        expected.put(POOLER_BIAS, new long[]{config.hidden()});
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            HostTensor t = weights.get(e.getKey());
            boolean optional = e.getKey().startsWith("pooler.");
            if (t == null) {
                if (!optional) problems.add("missing " + e.getKey());
            } else if (!t.sameShape(e.getValue())) {
                problems.add(e.getKey() + " has shape " + t.shapeString() + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        boolean poolerW = weights.containsKey(POOLER_WEIGHT), poolerB = weights.containsKey(POOLER_BIAS);
        if (poolerW != poolerB) problems.add("missing " + (poolerW ? POOLER_BIAS : POOLER_WEIGHT));
        int maxLayer = -1;
        for (String name : weights.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) maxLayer = Math.max(maxLayer, Integer.parseInt(m.group(1)));
            if (!expected.containsKey(name)) problems.add("unexpected " + name);
        }
        if (problems.isEmpty()) return;
        String hint = maxLayer + 1 != config.layers() && maxLayer >= 0
                ? " (the weights have " + (maxLayer + 1) + " layers, the config " + config.layers() + ")" : "";
        throw new WeightFileException(source + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + hint + ": " + String.join("; ", problems));
    }
}
