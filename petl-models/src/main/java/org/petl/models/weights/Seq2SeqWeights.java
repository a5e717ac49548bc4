package org.petl.models.weights;

import org.petl.core.arch.ModelDescription;
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

    /** Every tensor of the model, name to shape: the description's tensors, tied aliases and final_logits_bias included. */
    public static Map<String, long[]> expectedShapes(ModelDescription d) {
        Map<String, long[]> m = new LinkedHashMap<>(d.tensors());
        for (Map.Entry<String, String> a : d.names().tiedAliases().entrySet()) m.put(a.getKey(), m.get(a.getValue()));
        if (d.finalLogitsBias()) m.put(FINAL_LOGITS_BIAS, new long[]{1, d.vocab()});
        return m;
    }

    /**
     * Checks a file's tensors against the description and returns them under canonical names: a {@code BartModel}
     * export without the {@code model.} prefix gets it, the tied matrix appears under all four {@link #TIED}
     * names (one object), a missing {@code final_logits_bias} (a zero buffer) is zeros, and fairseq's
     * {@code *.version} buffers are dropped. Otherwise one {@link WeightFileException} lists every missing,
     * unexpected and mis-shaped tensor by name, with a hint when the layer counts or widths disagree with the
     * config, e.g. {@code bart (DIR/model.safetensors): 2 problems (the weights have d_model 32, the config 64): ...}.
     */
    public static Map<String, HostTensor> check(ModelDescription d, Map<String, HostTensor> file, String source) {
        Map<String, HostTensor> w = new LinkedHashMap<>();
        boolean bare = file.keySet().stream().noneMatch(k -> k.startsWith("model."));
        for (Map.Entry<String, HostTensor> e : file.entrySet()) {
            String k = e.getKey();
            if (k.endsWith(".version") || k.equals("version")) continue;
            if (bare && (k.startsWith("encoder.") || k.startsWith("decoder.") || k.startsWith("shared."))) k = "model." + k;
            w.put(k, e.getValue());
        }
        Map<String, long[]> expected = expectedShapes(d);
        Map<String, String> aliases = d.names().tiedAliases();
        List<String> problems = new ArrayList<>();
        Map<String, HostTensor> tied = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String k = e.getKey();
            String target = aliases.getOrDefault(k, k);
            HostTensor t = w.get(k);
            if (t != null && !t.sameShape(e.getValue())) {
                problems.add(k + " has shape " + t.shapeString() + ", expected " + Arrays.toString(e.getValue()));
            } else if (t != null && aliases.containsValue(target)) {
                tied.putIfAbsent(target, t);
            }
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String k = e.getKey();
            if (aliases.containsKey(k) || w.containsKey(k) || k.equals(FINAL_LOGITS_BIAS)) continue;
            if (aliases.containsValue(k)) {
                boolean anyAlias = aliases.entrySet().stream().anyMatch(a -> a.getValue().equals(k) && w.containsKey(a.getKey()));
                if (!anyAlias) {
                    List<String> names = aliases.entrySet().stream().filter(a -> a.getValue().equals(k)).map(Map.Entry::getKey).sorted().toList();
                    problems.add("missing " + k + " (or one of its tied names " + String.join(", ", names) + ")");
                }
                continue;
            }
            problems.add("missing " + k);
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
            if (maxLayer[0] >= 0 && maxLayer[0] + 1 != d.encoderLayers()) hints.add("the weights have " + (maxLayer[0] + 1) + " encoder layers, the config " + d.encoderLayers());
            if (maxLayer[1] >= 0 && maxLayer[1] + 1 != d.decoderLayers()) hints.add("the weights have " + (maxLayer[1] + 1) + " decoder layers, the config " + d.decoderLayers());
            HostTensor any = TIED.stream().map(w::get).filter(x -> x != null && x.rank() == 2).findFirst().orElse(null);
            if (any != null && any.shape()[1] != d.hidden()) hints.add("the weights have d_model " + any.shape()[1] + ", the config " + d.hidden());
            if (any != null && any.shape()[0] != d.vocab()) hints.add("the weights have a vocabulary of " + any.shape()[0] + ", the config " + d.vocab());
            boolean hasFinal = w.containsKey("model.encoder.layer_norm.weight");
            if (hasFinal != d.finalLayerNorm()) {
                String type = d.family().name().toLowerCase(java.util.Locale.ROOT);
                hints.add(hasFinal ? "the weights have mBART's final LayerNorms, the config says " + type
                        : "the weights lack the final LayerNorms of model_type " + type);
            }
            String hint = hints.isEmpty() ? "" : " (" + String.join("; ", hints) + ")";
            throw new WeightFileException(source + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + hint + ": " + String.join("; ", problems));
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String k : expected.keySet()) {
            String target = aliases.getOrDefault(k, k);
            if (aliases.containsValue(target)) out.put(k, w.containsKey(target) ? w.get(target) : tied.get(target));
            else if (k.equals(FINAL_LOGITS_BIAS) && !w.containsKey(k)) out.put(k, HostTensor.of(new float[d.vocab()], 1, d.vocab()));
            else out.put(k, w.get(k));
        }
        return out;
    }
}
