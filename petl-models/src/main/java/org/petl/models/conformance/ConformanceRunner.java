package org.petl.models.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.io.Safetensors;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.core.arch.ModelDescription;
import org.petl.models.EncoderConfig;
import org.petl.models.assembly.Seq2SeqBatch;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.graph.ModelGraph;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Replays case folders of the paper-code reference layout ({@code <model>/<case>/case.json} + {@code added.safetensors},
 * base weights in {@code <model>/base.safetensors}): translates each case's options into a petl method, loads its
 * tensors, runs the forward pass and compares every stored output.
 */
public final class ConformanceRunner {

    public static final double TOLERANCE = 1e-4;

    public enum Status { PASSED, FAILED, SKIPPED }

    public record CaseResult(String id, Status status, double maxAbsDiff, String detail) {
    }

    private ConformanceRunner() {
    }

    /** Every case folder under {@code root} (folders holding a case.json), sorted. */
    public static List<Path> caseFolders(Path root) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException(root + ": no such folder");
        try (Stream<Path> s = Files.walk(root, 3)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("case.json"))).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(root + ": cannot list (" + e.getMessage() + ")");
        }
    }

    public static List<CaseResult> runAll(Path root) {
        List<CaseResult> out = new ArrayList<>();
        for (Path dir : caseFolders(root)) out.add(run(dir));
        return out;
    }

    public static CaseResult run(Path dir) {
        String id = dir.getParent().getFileName() + "/" + dir.getFileName();
        try {
            JsonNode c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
            String model = c.path("model").asText();
            if (model.equals("bart") || model.equals("mbart")) return runSeq2Seq(id, dir, c, model);
            if (!model.equals("roberta")) return new CaseResult(id, Status.SKIPPED, Double.NaN, "unknown model '" + model + "'");
            return runRoberta(id, dir, c);
        } catch (RuntimeException | IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new CaseResult(id, Status.FAILED, Double.NaN, msg);
        }
    }

    private static CaseResult runRoberta(String id, Path dir, JsonNode c) {
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        Safetensors.read(dir.getParent().resolve("base.safetensors"))
                .forEach((k, v) -> weights.put(k.startsWith("roberta.") ? k.substring(8) : k, v));
        EncoderConfig cfg = robertaConfig(weights);
        PetlMethod method = PaperCode.translate(c.path("tune_arguments"));
        Map<String, INDArray> preset = new HashMap<>();
        Path added = dir.resolve("added.safetensors");
        if (Files.exists(added)) {
            for (Map.Entry<String, HostTensor> e : Safetensors.read(added).entrySet()) {
                boolean used = c.path("added_parameters").path(e.getKey()).path("affects_outputs").asBoolean(true);
                PaperCode.Target t = PaperCode.robertaTarget(e.getKey());
                if (t == null) {
                    if (used) return new CaseResult(id, Status.FAILED, Double.NaN, "tensor " + e.getKey() + " has no place in the translated method " + method.spec());
                    continue;
                }
                if (t.base()) {
                    if (!weights.containsKey(t.name())) return new CaseResult(id, Status.FAILED, Double.NaN, "BitFit tensor " + e.getKey() + " replaces no base tensor");
                    weights.put(t.name(), e.getValue());
                } else if (used) {
                    HostTensor v = t.transpose() ? e.getValue().transpose2d() : e.getValue();
                    preset.put(t.name(), Nd4j.create(v.data(), v.shape(), 'c'));
                }
            }
        }
        EncoderGraph g = EncoderGraph.build(cfg, weights,
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.CLS, true), false, 0, 0, 0));
        AppliedMethod applied = Rewriter.apply(g, method, 0, preset);
        for (String p : preset.keySet()) {
            if (!applied.added().containsKey(p)) return new CaseResult(id, Status.FAILED, Double.NaN, "loaded tensor " + p + " was not used by " + method.spec());
        }
        int[][] ids = ints(c.at("/inputs/input_ids"));
        int[][] mask = ints(c.at("/inputs/attention_mask"));
        Map<String, INDArray> out = g.sameDiff().output(new EncoderBatch(ids, null, mask).placeholders(cfg, 1f), "last_hidden_state", "logits");
        double diff = Math.max(maxDiff(out.get("last_hidden_state"), c.at("/outputs/last_hidden_state")),
                maxDiff(out.get("logits"), c.at("/outputs/classification_logits")));
        Status st = diff <= TOLERANCE ? Status.PASSED : Status.FAILED;
        return new CaseResult(id, st, diff, method.spec());
    }

    /**
     * A BART/mBART case ready to build: the description read off the base weights, the weights (BitFit's biases
     * replaced), the translated method and its loaded tensors by petl name.
     */
    public record Seq2SeqCase(ModelDescription description, Map<String, HostTensor> weights, PetlMethod method,
                              Map<String, INDArray> preset, JsonNode json) {
        /** Applies the method to a graph built from this case; every loaded tensor must find its place. */
        public AppliedMethod apply(org.petl.core.site.SiteGraph g) {
            AppliedMethod applied = Rewriter.apply(g, method, 0, preset);
            for (String p : preset.keySet()) {
                if (!applied.added().containsKey(p)) throw new IllegalArgumentException("loaded tensor " + p + " was not used by " + method.spec());
            }
            return applied;
        }

        public Seq2SeqBatch batch() {
            return new Seq2SeqBatch(ints(json.at("/inputs/input_ids")), ints(json.at("/inputs/attention_mask")),
                    ints(json.at("/inputs/decoder_input_ids")), ints(json.at("/inputs/decoder_attention_mask")), null);
        }
    }

    /** Loads a bart/ or mbart/ case folder; one-line IllegalArgumentException when a tensor has no place. */
    public static Seq2SeqCase loadSeq2Seq(Path dir) {
        return loadSeq2Seq(dir, "base.safetensors");
    }

    /** The same over another base file of the model folder (generation references use base_eos_bias.safetensors too). */
    public static Seq2SeqCase loadSeq2Seq(Path dir, String baseFile) {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(dir.resolve("case.json") + ": " + e.getMessage());
        }
        Map<String, HostTensor> weights = new LinkedHashMap<>(Safetensors.read(dir.getParent().resolve(baseFile)));
        ModelDescription desc = seq2seqDescription(c.path("model").asText(), weights);
        JsonNode args = c.path("tune_arguments");
        PetlMethod method = PaperCode.translate(args, desc);
        Map<String, INDArray> preset = new HashMap<>();
        Path added = dir.resolve("added.safetensors");
        if (Files.exists(added)) {
            for (Map.Entry<String, HostTensor> e : Safetensors.read(added).entrySet()) {
                boolean used = c.path("added_parameters").path(e.getKey()).path("affects_outputs").asBoolean(true);
                PaperCode.Target t = PaperCode.seq2seqTarget(e.getKey(), args);
                if (t == null) {
                    if (used) throw new IllegalArgumentException("tensor " + e.getKey() + " has no place in the translated method " + method.spec());
                    continue;
                }
                if (t.base()) {
                    if (!weights.containsKey(t.name())) throw new IllegalArgumentException("BitFit tensor " + e.getKey() + " replaces no base tensor");
                    weights.put(t.name(), e.getValue());
                } else if (used) {
                    HostTensor v = t.transpose() ? e.getValue().transpose2d() : e.getValue();
                    preset.put(t.name(), Nd4j.create(v.data(), v.shape(), 'c'));
                }
            }
        }
        return new Seq2SeqCase(desc, weights, method, preset, c);
    }

    private static CaseResult runSeq2Seq(String id, Path dir, JsonNode c, String model) {
        Seq2SeqCase sc = loadSeq2Seq(dir);
        ModelDescription desc = sc.description();
        Map<String, HostTensor> weights = sc.weights();
        PetlMethod method = sc.method();
        Map<String, INDArray> preset = sc.preset();
        Seq2SeqLm lm = Seq2SeqLm.build(desc, weights, ModelGraph.Options.inference());
        AppliedMethod applied = Rewriter.apply(lm.graph(), method, 0, preset);
        for (String p : preset.keySet()) {
            if (!applied.added().containsKey(p)) return new CaseResult(id, Status.FAILED, Double.NaN, "loaded tensor " + p + " was not used by " + method.spec());
        }
        Map<String, INDArray> out = lm.graph().sameDiff().output(sc.batch().placeholders(desc, 1f),
                "encoder_last_hidden_state", "decoder_last_hidden_state", Seq2SeqLm.LOGITS);
        double diff = 0;
        for (String name : List.of("encoder_last_hidden_state", "decoder_last_hidden_state", "lm_logits")) {
            diff = Math.max(diff, maxDiff(out.get(name.equals("lm_logits") ? Seq2SeqLm.LOGITS : name), c.at("/outputs/" + name)));
        }
        Status st = diff <= TOLERANCE ? Status.PASSED : Status.FAILED;
        return new CaseResult(id, st, diff, method.spec());
    }

    /**
     * The tiny reference models' description, read off the checkpoint's shapes (the README fixes head size 8,
     * gelu, no embedding scale for BART; mBART is pre-LN with √d scale and final LayerNorms).
     */
    public static ModelDescription seq2seqDescription(String model, Map<String, HostTensor> w) {
        long[] shared = w.get("model.shared.weight").shape();
        long[] pos = w.get("model.encoder.embed_positions.weight").shape();
        long[] fc1 = w.get("model.encoder.layers.0.fc1.weight").shape();
        int enc = 0, dec = 0;
        while (w.containsKey("model.encoder.layers." + enc + ".fc1.weight")) enc++;
        while (w.containsKey("model.decoder.layers." + dec + ".fc1.weight")) dec++;
        int d = (int) shared[1];
        return model.equals("mbart")
                ? ModelDescription.mbart("tiny-mbart", enc, dec, d, d / 8, (int) fc1[0], (int) shared[0], (int) pos[0] - 2, "gelu")
                : ModelDescription.bart("tiny-bart", enc, dec, d, d / 8, (int) fc1[0], (int) shared[0], (int) pos[0] - 2, "gelu", false);
    }

    private static EncoderConfig robertaConfig(Map<String, HostTensor> w) {
        long[] word = w.get("embeddings.word_embeddings.weight").shape();
        long[] pos = w.get("embeddings.position_embeddings.weight").shape();
        long[] ffn = w.get("encoder.layer.0.intermediate.dense.weight").shape();
        int layers = 0;
        while (w.containsKey("encoder.layer." + layers + ".output.dense.weight")) layers++;
        // the reference README fixes 4 heads (head size 8) for its tiny models
        int d = (int) word[1];
        return new EncoderConfig(EncoderConfig.Family.ROBERTA, layers, d, d / 8, (int) ffn[0], (int) word[0], (int) pos[0],
                (int) w.get("embeddings.token_type_embeddings.weight").shape()[0], 1e-5, "gelu", 1);
    }

    /** A stored [B, T] integer input. */
    public static int[][] ints(JsonNode arr) {
        int[][] out = new int[arr.size()][];
        for (int i = 0; i < arr.size(); i++) {
            out[i] = new int[arr.get(i).size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = arr.get(i).get(j).asInt();
        }
        return out;
    }

    /** max |got − stored| over a stored output (values as doubles of float32 results). */
    public static double maxDiff(INDArray got, JsonNode expected) {
        List<Double> flat = new ArrayList<>();
        flatten(expected.get("values"), flat);
        float[] g = got.dup('c').data().asFloat();
        if (g.length != flat.size()) throw new IllegalStateException("output has " + g.length + " values, the case stores " + flat.size());
        double m = 0;
        for (int i = 0; i < g.length; i++) m = Math.max(m, Math.abs(g[i] - (float) (double) flat.get(i)));
        return m;
    }

    private static void flatten(JsonNode n, List<Double> acc) {
        if (n.isArray()) n.forEach(x -> flatten(x, acc));
        else acc.add(n.asDouble());
    }
}
