package org.petl.models.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The paper code's generation references ({@code <model>/<case>/generate.json}, layout in the reference README):
 * reading them, turning a setting into a {@link GenerationConfig}, and comparing a {@link Generation} with what
 * is stored (sequences exactly, scores within {@link #TOLERANCE}, kept hypotheses as a set).
 */
public final class GenerateReference {

    public static final double TOLERANCE = 1e-4;

    /** Builds the model of a setting (its base weights, added tensors and tune arguments). */
    @FunctionalInterface
    public interface ModelFactory {
        StepModel build(Setting setting);
    }

    /** One stored setting of one case. */
    public record Setting(String id, Path caseDir, JsonNode file, String name, JsonNode entry) {
        public Path modelDir() {
            return caseDir.getParent();
        }

        /** The base weight file relative to the model folder ({@code ../base.safetensors} in the file). */
        public String baseWeights() {
            return Path.of(entry.path("base_weights").asText()).getFileName().toString();
        }

        public Path added() {
            JsonNode a = file.at("/weights/added");
            return a.isNull() || a.isMissingNode() ? null : caseDir.resolve(a.asText());
        }

        /** The case's complete tune arguments (case.json beside the file), else the explicit ones of the file. */
        public JsonNode tuneArguments() {
            Path c = caseDir.resolve("case.json");
            if (Files.isRegularFile(c)) {
                try {
                    return new ObjectMapper().readTree(c.toFile()).path("tune_arguments");
                } catch (IOException e) {
                    throw new IllegalArgumentException(c + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
                }
            }
            return file.at("/weights/tune_arguments_explicit");
        }

        public String model() {
            return file.path("model").asText();
        }

        public int[][] inputIds() {
            return ints(file.at("/inputs/input_ids"));
        }

        public int[][] attentionMask() {
            return ints(file.at("/inputs/attention_mask"));
        }

        public GenerationConfig config() {
            return GenerateReference.config(entry.path("effective_generation_config"));
        }
    }

    public record Comparison(boolean passed, double maxScoreDiff, String detail) {
    }

    private GenerateReference() {
    }

    /** Every generate.json under root (at most two levels down), sorted. */
    public static List<Path> files(Path root) {
        try (Stream<Path> s = Files.walk(root, 3)) {
            return s.filter(p -> p.getFileName().toString().equals("generate.json") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(root + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** The settings of one generate.json, with ids {@code <model>/<case>/generate/<setting>}. */
    public static List<Setting> settings(Path generateJson) {
        JsonNode f;
        try {
            f = new ObjectMapper().readTree(generateJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(generateJson + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        Path caseDir = generateJson.getParent();
        String prefix = caseDir.getParent().getFileName() + "/" + caseDir.getFileName() + "/generate/";
        List<Setting> out = new ArrayList<>();
        f.path("settings").fields().forEachRemaining(e -> out.add(new Setting(prefix + e.getKey(), caseDir, f, e.getKey(), e.getValue())));
        return out;
    }

    /** Hugging Face's resolved generate() arguments as a config. */
    public static GenerationConfig config(JsonNode c) {
        String mode = c.path("mode").asText();
        if (!mode.equals("greedy_search") && !mode.equals("beam_search")) {
            throw new IllegalArgumentException("generation mode '" + mode + "' is not supported (greedy_search, beam_search)");
        }
        if (c.path("do_sample").asBoolean(false)) throw new IllegalArgumentException("sampling is not supported");
        return new GenerationConfig(c.path("num_beams").asInt(1), c.path("max_length").asInt(), c.path("min_length").asInt(0),
                c.path("length_penalty").asDouble(1.0), c.path("no_repeat_ngram_size").asInt(0), c.path("early_stopping").asBoolean(false),
                c.path("decoder_start_token_id").asInt(), optional(c.path("forced_bos_token_id")), optional(c.path("forced_eos_token_id")),
                c.path("eos_token_id").asInt(), c.path("pad_token_id").asInt(), c.path("num_return_sequences").asInt(1));
    }

    private static int optional(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? -1 : n.asInt();
    }

    /** Decodes one setting with the model from {@code factory}. */
    public static Generation run(Setting s, ModelFactory factory) {
        StepModel m = factory.build(s);
        return Generator.generate(m, s.inputIds(), s.attentionMask(), s.config());
    }

    public static Comparison compare(Setting s, Generation g) {
        JsonNode out = s.entry().path("outputs");
        int[][] want = ints(out.at("/sequences/values"));
        if (want.length != g.sequences().length) return new Comparison(false, Double.NaN, "returned " + g.sequences().length + " sequences, stored " + want.length);
        for (int r = 0; r < want.length; r++) {
            if (!java.util.Arrays.equals(want[r], g.sequences()[r])) {
                return new Comparison(false, Double.NaN, "sequence " + r + " differs: got " + java.util.Arrays.toString(g.sequences()[r])
                        + ", stored " + java.util.Arrays.toString(want[r]));
            }
        }
        double diff = 0;
        if (out.has("sequences_scores")) {
            JsonNode v = out.at("/sequences_scores/values");
            for (int r = 0; r < v.size(); r++) diff = Math.max(diff, Math.abs(v.get(r).asDouble() - g.sequenceScores()[r]));
            JsonNode hyps = out.path("beam_hypotheses");
            for (int b = 0; b < hyps.size(); b++) {
                Set<String> stored = new HashSet<>();
                hyps.get(b).forEach(h -> stored.add(h.path("tokens").toString().replace(" ", "")));
                Set<String> got = new HashSet<>();
                for (Hypothesis h : g.hypotheses().get(b)) got.add(java.util.Arrays.toString(h.tokens()).replace(" ", ""));
                if (!stored.equals(got)) return new Comparison(false, diff, "kept hypotheses of source " + b + " differ: got " + got + ", stored " + stored);
                for (JsonNode h : hyps.get(b)) {
                    String key = h.path("tokens").toString().replace(" ", "");
                    for (Hypothesis mine : g.hypotheses().get(b)) {
                        if (java.util.Arrays.toString(mine.tokens()).replace(" ", "").equals(key)) {
                            diff = Math.max(diff, Math.abs(mine.score() - h.path("score").asDouble()));
                        }
                    }
                }
            }
        }
        if (out.has("token_scores")) {
            JsonNode v = out.at("/token_scores/values");
            for (int r = 0; r < v.size(); r++) {
                for (int t = 0; t < v.get(r).size(); t++) {
                    JsonNode x = v.get(r).get(t);
                    double mine = g.tokenScores()[r][t];
                    if (x.isNull() != Double.isNaN(mine)) return new Comparison(false, diff, "token score [" + r + "][" + t + "]: got " + mine + ", stored " + x);
                    if (!x.isNull()) diff = Math.max(diff, Math.abs(x.asDouble() - mine));
                }
            }
        }
        boolean ok = diff <= TOLERANCE;
        return new Comparison(ok, diff, ok ? "" : "scores differ by " + diff);
    }

    static int[][] ints(JsonNode arr) {
        int[][] out = new int[arr.size()][];
        for (int i = 0; i < arr.size(); i++) {
            out[i] = new int[arr.get(i).size()];
            for (int j = 0; j < out[i].length; j++) out[i][j] = arr.get(i).get(j).asInt();
        }
        return out;
    }
}
