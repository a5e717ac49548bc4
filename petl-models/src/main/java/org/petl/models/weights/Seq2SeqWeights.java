package org.petl.models.weights;

import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensor names and shapes of {@code BartForConditionalGeneration} / {@code MBartForConditionalGeneration}
 * (Hugging Face names, Linear weights [out, in]) and the one check every BART/mBART import goes through.
 */
public final class Seq2SeqWeights {

    public static final String SHARED = "model.shared.weight";
    /** One matrix under four names: any one of them in a file is enough (safetensors exports keep only one). */
    public static final List<String> TIED = List.of(SHARED, "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight");
    public static final String FINAL_LOGITS_BIAS = "final_logits_bias";
    private static final Pattern LAYER = Pattern.compile("^model\\.(encoder|decoder)\\.layers\\.(\\d+)\\.");

    private Seq2SeqWeights() {
    }

    /** Every tensor of the model, name to shape, tied names and final_logits_bias included. */
    public static Map<String, long[]> expectedShapes(HfSeq2SeqConfig c) {
        long d = c.dModel(), v = c.vocab();
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String t : TIED) m.put(t, new long[]{v, d});
        m.put(FINAL_LOGITS_BIAS, new long[]{1, v});
        for (String stack : new String[]{"encoder", "decoder"}) {
            boolean dec = stack.equals("decoder");
            String s = "model." + stack + ".";
            m.put(s + "embed_positions.weight", new long[]{c.positionRows(), d});
            m.put(s + "layernorm_embedding.weight", new long[]{d});
            m.put(s + "layernorm_embedding.bias", new long[]{d});
            long f = dec ? c.decoderFfn() : c.encoderFfn();
            for (int i = 0; i < (dec ? c.decoderLayers() : c.encoderLayers()); i++) {
                String p = s + "layers." + i + ".";
                for (String attn : dec ? new String[]{"self_attn", "encoder_attn"} : new String[]{"self_attn"}) {
                    for (String proj : new String[]{"k_proj", "v_proj", "q_proj", "out_proj"}) {
                        m.put(p + attn + "." + proj + ".weight", new long[]{d, d});
                        m.put(p + attn + "." + proj + ".bias", new long[]{d});
                    }
                    m.put(p + attn + "_layer_norm.weight", new long[]{d});
                    m.put(p + attn + "_layer_norm.bias", new long[]{d});
                }
                m.put(p + "fc1.weight", new long[]{f, d});
                m.put(p + "fc1.bias", new long[]{f});
                m.put(p + "fc2.weight", new long[]{d, f});
                m.put(p + "fc2.bias", new long[]{d});
                m.put(p + "final_layer_norm.weight", new long[]{d});
                m.put(p + "final_layer_norm.bias", new long[]{d});
            }
            if (c.finalLayerNorm()) {
                m.put(s + "layer_norm.weight", new long[]{d});
                m.put(s + "layer_norm.bias", new long[]{d});
            }
        }
        return m;
    }

    /**
     * Checks a file's tensors against the config and returns them under canonical names: a {@code BartModel}
     * export without the {@code model.} prefix gets it, the tied matrix appears under all four {@link #TIED}
     * names (one object), a missing {@code final_logits_bias} (a zero buffer) is zeros, and fairseq's
     * {@code *.version} buffers are dropped. Otherwise one {@link WeightFileException} lists every missing,
     * unexpected and mis-shaped tensor by name, with a hint when the layer counts or widths disagree with the
     * config, e.g. {@code bart (DIR/model.safetensors): 2 problems (the weights have d_model 32, the config 64): ...}.
     */
    public static Map<String, HostTensor> check(HfSeq2SeqConfig config, Map<String, HostTensor> file, String source) {
        Map<String, HostTensor> w = new LinkedHashMap<>();
        boolean bare = file.keySet().stream().noneMatch(k -> k.startsWith("model."));
        for (Map.Entry<String, HostTensor> e : file.entrySet()) {
            String k = e.getKey();
            if (k.endsWith(".version") || k.equals("version")) continue;
            if (bare && (k.startsWith("encoder.") || k.startsWith("decoder.") || k.startsWith("shared."))) k = "model." + k;
            w.put(k, e.getValue());
        }
        Map<String, long[]> expected = expectedShapes(config);
        List<String> problems = new ArrayList<>();
        HostTensor tied = null;
        for (String t : TIED) {
            HostTensor x = w.get(t);
            if (x == null) continue;
            if (!x.sameShape(expected.get(t))) problems.add(t + " has shape " + x.shapeString() + ", expected " + Arrays.toString(expected.get(t)));
            else if (tied == null) tied = x;
        }
        if (tied == null && TIED.stream().noneMatch(w::containsKey)) problems.add("missing " + SHARED + " (or one of its tied names " + String.join(", ", TIED.subList(1, 4)) + ")");
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String k = e.getKey();
            if (TIED.contains(k)) continue;
            HostTensor t = w.get(k);
            if (t == null) {
                if (!k.equals(FINAL_LOGITS_BIAS)) problems.add("missing " + k);
            } else if (!t.sameShape(e.getValue())) {
                problems.add(k + " has shape " + t.shapeString() + ", expected " + Arrays.toString(e.getValue()));
            }
        }
        int[] maxLayer = {-1, -1};
        for (String k : w.keySet()) {
            Matcher m = LAYER.matcher(k);
            if (m.find()) {
                int s = m.group(1).equals("encoder") ? 0 : 1;
                maxLayer[s] = Math.max(maxLayer[s], Integer.parseInt(m.group(2)));
            }
            if (!expected.containsKey(k)) problems.add("unexpected " + k);
        }
        if (!problems.isEmpty()) {
            List<String> hints = new ArrayList<>();
            if (maxLayer[0] >= 0 && maxLayer[0] + 1 != config.encoderLayers()) hints.add("the weights have " + (maxLayer[0] + 1) + " encoder layers, the config " + config.encoderLayers());
            if (maxLayer[1] >= 0 && maxLayer[1] + 1 != config.decoderLayers()) hints.add("the weights have " + (maxLayer[1] + 1) + " decoder layers, the config " + config.decoderLayers());
            HostTensor any = TIED.stream().map(w::get).filter(x -> x != null && x.rank() == 2).findFirst().orElse(null);
            if (any != null && any.shape()[1] != config.dModel()) hints.add("the weights have d_model " + any.shape()[1] + ", the config " + config.dModel());
            if (any != null && any.shape()[0] != config.vocab()) hints.add("the weights have a vocabulary of " + any.shape()[0] + ", the config " + config.vocab());
            boolean hasFinal = w.containsKey("model.encoder.layer_norm.weight");
            if (hasFinal != config.finalLayerNorm()) {
                hints.add(hasFinal ? "the weights have mBART's final LayerNorms, the config says " + config.family().modelType()
                        : "the weights lack the final LayerNorms of model_type " + config.family().modelType());
            }
            String hint = hints.isEmpty() ? "" : " (" + String.join("; ", hints) + ")";
            throw new WeightFileException(source + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + hint + ": " + String.join("; ", problems));
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String k : expected.keySet()) {
            if (TIED.contains(k)) out.put(k, tied);
            else if (k.equals(FINAL_LOGITS_BIAS) && !w.containsKey(k)) out.put(k, HostTensor.of(new float[config.vocab()], 1, config.vocab()));
            else out.put(k, w.get(k));
        }
        return out;
    }
}
