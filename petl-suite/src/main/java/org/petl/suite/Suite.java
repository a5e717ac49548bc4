package org.petl.suite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.method.Architecture;
import org.petl.core.method.Budget;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A reproducibility suite: tasks × models × methods × hyper-parameters × seeds, the metric to report and how to
 * aggregate over seeds. Read from a JSON file (format in the README's "Reproducibility suites" section) or one of
 * the built-in suites ({@link #BUILT_IN}, each in a {@code local} and a {@code paper} size).
 *
 * @param reproduces what the suite reproduces (e.g. "He et al. 2022, Table 3"), for the report
 * @param sizeNote   sizes and expected time, for the report
 * @param models     every model of the suite
 * @param taskModels the models each task trains (all of them, unless the file gives {task: [models]})
 * @param paper      the paper's number per method label and task, where the suite reproduces a paper table
 */
public record Suite(String name, String size, String reproduces, String sizeNote, List<String> tasks, List<String> models,
                    Map<String, List<String>> taskModels, Map<String, String> data, Map<String, Cell.Subsample> subsample, Map<String, Seq2SeqSettings> seq2seq,
                    List<MethodEntry> methods, List<Map<String, Object>> grid, List<Long> seeds, Map<String, String> metrics, List<Aggregation> aggregate,
                    Map<String, Map<String, Double>> paper) {

    /** The metric the table reports for a task. */
    public String metric(String task) {
        return metrics.get(task);
    }

    /** The reported metric, or every task's ({@code polarity: test_accuracy, debsum: test_rouge2}) where they differ. */
    public String metric() {
        if (new LinkedHashSet<>(metrics.values()).size() == 1) return metrics.values().iterator().next();
        List<String> parts = new ArrayList<>();
        metrics.forEach((t, m) -> parts.add(t + ": " + m));
        return String.join(", ", parts);
    }

    /** One row of the table: a label and a spec, or a preset with a budget (% of the base) that petl budget solves. */
    public record MethodEntry(String label, String spec, String budgetPreset, Double budgetPercent, List<Map<String, Object>> grid) {
    }

    /** How seeds are summarised; the table always shows the first. */
    public enum Aggregation {
        MEDIAN, MEAN_STD, BOOTSTRAP;

        static Aggregation parse(String s, String where) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "median" -> MEDIAN;
                case "mean_std", "mean", "mean±std" -> MEAN_STD;
                case "bootstrap" -> BOOTSTRAP;
                default -> throw new SuiteException(where + ": unknown aggregation '" + s + "' (median, mean_std, bootstrap)");
            };
        }
    }

    public static final List<String> BUILT_IN = List.of("paper-table-2", "paper-table-3", "paper-table-4", "paper-table-5", "paper-budget");
    public static final List<String> SIZES = List.of("local", "paper");
    static final List<String> METRICS = List.of("test_accuracy", "dev_accuracy", "best_dev_accuracy", "dev_mismatched_accuracy",
            "test_rouge1", "test_rouge2", "test_rougeL", "test_rougeLsum", "dev_rouge2", "best_dev_rouge2",
            "test_bleu", "test_sacrebleu", "dev_bleu", "best_dev_bleu");
    private static final Set<String> KEYS = Set.of("name", "size", "reproduces", "sizes", "tasks", "models", "data", "subsample", "seq2seq", "methods",
            "hyper", "seeds", "metric", "aggregate", "paper", "$comment");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A built-in suite by name, or a suite file. {@code size} picks a built-in's size (default local). */
    public static Suite load(String nameOrFile, String size) {
        String n = nameOrFile.strip();
        if (BUILT_IN.contains(n)) {
            String s = size == null ? "local" : size.toLowerCase(Locale.ROOT);
            if (!SIZES.contains(s)) throw new SuiteException("suite " + n + ": unknown --size '" + size + "' (local or paper)");
            String res = "/suites/" + n + "." + s + ".json";
            try (InputStream in = Suite.class.getResourceAsStream(res)) {
                if (in == null) throw new SuiteException("suite " + n + ": no " + s + " size in this build");
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), n + " (" + s + ")");
            } catch (IOException e) {
                throw new SuiteException("suite " + n + ": cannot read " + res + ": " + e.getMessage());
            }
        }
        Path p = Path.of(n);
        if (!Files.isRegularFile(p)) {
            throw new SuiteException("suite '" + n + "': neither a built-in suite (" + String.join(", ", BUILT_IN) + ") nor a file");
        }
        if (size != null) throw new SuiteException("suite " + p + ": --size applies to built-in suites only; a file states its own sizes");
        try {
            return parse(Files.readString(p), p.toString());
        } catch (IOException e) {
            throw new SuiteException("suite " + p + ": cannot read: " + e.getMessage());
        }
    }

    /** Parses and validates everything (method specs and budgets included), so a bad suite fails before any training. */
    public static Suite parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SuiteException("suite " + source + ": not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw new SuiteException("suite " + source + ": expected a JSON object");
        String w = "suite " + source;
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) throw new SuiteException(w + ": unknown field '" + k + "' (known: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
        }
        String name = text(root, "name", w, true);
        String size = text(root, "size", w, false);
        String reproduces = text(root, "reproduces", w, false);
        String sizeNote = text(root, "sizes", w, false);
        List<String> tasks = strings(root, "tasks", w);
        for (int i = 0; i < tasks.size(); i++) TaskKind.of(tasks.get(i), w + ": tasks[" + i + "]");
        Map<String, List<String>> taskModels = new LinkedHashMap<>();
        List<String> models;
        if (root.path("models").isObject()) {
            JsonNode mo = root.path("models");
            for (String t : tasks) {
                if (!mo.has(t)) throw new SuiteException(w + ": models." + t + " is missing (models per task must name each task's models)");
                taskModels.put(t, strings(mo, t, w + ": models"));
            }
            mo.fieldNames().forEachRemaining(k -> {
                if (!tasks.contains(k)) throw new SuiteException(w + ": models." + k + ": not one of the suite's tasks " + tasks);
            });
            models = new ArrayList<>(new LinkedHashSet<>(taskModels.values().stream().flatMap(List::stream).toList()));
        } else {
            models = strings(root, "models", w);
            for (String t : tasks) taskModels.put(t, models);
        }
        Map<String, String> data = new LinkedHashMap<>();
        JsonNode d = root.path("data");
        if (!d.isMissingNode() && !d.isNull()) {
            if (!d.isObject()) throw new SuiteException(w + ": data: expected an object task -> folder");
            d.fields().forEachRemaining(e -> {
                if (!tasks.contains(e.getKey())) throw new SuiteException(w + ": data." + e.getKey() + ": not one of the suite's tasks " + tasks);
                data.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText());
            });
        }
        Map<String, Cell.Subsample> sub = perTask(root.path("subsample"), tasks, w + ": subsample", Cell.Subsample.NONE, (s, sw) -> {
            if (!s.isObject()) throw new SuiteException(sw + ": expected {\"train\": N, \"dev\": N, \"test\": N}");
            s.fieldNames().forEachRemaining(k -> {
                if (!Set.of("train", "dev", "test").contains(k)) throw new SuiteException(sw + "." + k + ": unknown split (train, dev, test)");
            });
            return new Cell.Subsample(count(s, "train", sw), count(s, "dev", sw), count(s, "test", sw));
        });
        Map<String, Seq2SeqSettings> seq2seq = new LinkedHashMap<>(perTask(root.path("seq2seq"), tasks, w + ": seq2seq", Seq2SeqSettings.defaults(), Seq2SeqSettings::parse));
        seq2seq.keySet().removeIf(t -> TaskKind.of(t, w) instanceof TaskKind.Classification);
        List<Map<String, Object>> grid = grid(root.path("hyper"), w + ": hyper", List.of(new LinkedHashMap<>()));
        JsonNode ms = root.path("methods");
        if (!ms.isArray() || ms.isEmpty()) throw new SuiteException(w + ": methods: expected a non-empty list");
        List<MethodEntry> methods = new ArrayList<>();
        Set<String> labels = new java.util.HashSet<>();
        for (int i = 0; i < ms.size(); i++) {
            String mw = w + ": methods[" + i + "]";
            MethodEntry m = method(ms.get(i), mw, models);
            if (!labels.add(m.label())) throw new SuiteException(mw + ": label '" + m.label() + "' is used twice");
            methods.add(m);
        }
        JsonNode sd = root.path("seeds");
        if (!sd.isArray() || sd.isEmpty()) throw new SuiteException(w + ": seeds: expected a non-empty list of whole numbers");
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < sd.size(); i++) {
            if (!sd.get(i).canConvertToLong() || !sd.get(i).isIntegralNumber()) throw new SuiteException(w + ": seeds[" + i + "]: expected a whole number, got " + sd.get(i));
            seeds.add(sd.get(i).asLong());
        }
        if (seeds.stream().distinct().count() < seeds.size()) throw new SuiteException(w + ": seeds: " + seeds + " lists a seed twice");
        Map<String, String> metric = new LinkedHashMap<>();
        for (String t : tasks) metric.put(t, defaultMetric(t));
        if (root.has("metric")) {
            metric = perTask(root.path("metric"), tasks, w + ": metric", null, (m, mw) -> {
                if (!m.isTextual() || m.asText().isBlank()) throw new SuiteException(mw + ": expected a metric name, got " + m);
                return m.asText().strip();
            });
            for (var e : metric.entrySet()) {
                String t = e.getKey(), m = e.getValue();
                if (m == null) m = defaultMetric(t);
                e.setValue(m);
                if (!METRICS.contains(m)) throw new SuiteException(w + ": metric: unknown '" + m + "' (known: " + String.join(", ", METRICS) + ")");
                String family = defaultMetric(t).contains("accuracy") ? "accuracy" : defaultMetric(t).contains("rouge") ? "rouge" : "bleu";
                if (!m.contains(family)) {
                    throw new SuiteException(w + ": metric: " + m + " is not a metric of " + t + " (its default: " + defaultMetric(t) + ")");
                }
            }
        }
        List<Aggregation> agg = new ArrayList<>();
        if (root.has("aggregate")) {
            List<String> a = strings(root, "aggregate", w);
            for (int i = 0; i < a.size(); i++) agg.add(Aggregation.parse(a.get(i), w + ": aggregate[" + i + "]"));
        } else {
            agg.addAll(List.of(Aggregation.MEDIAN, Aggregation.MEAN_STD));
        }
        Map<String, Map<String, Double>> paper = new LinkedHashMap<>();
        JsonNode pp = root.path("paper");
        if (!pp.isMissingNode() && !pp.isNull()) {
            if (!pp.isObject()) throw new SuiteException(w + ": paper: expected {method label: {task: number}}");
            pp.fields().forEachRemaining(e -> {
                if (!labels.contains(e.getKey())) throw new SuiteException(w + ": paper." + e.getKey() + ": no method has this label");
                Map<String, Double> row = new LinkedHashMap<>();
                e.getValue().fields().forEachRemaining(t -> {
                    if (!tasks.contains(t.getKey())) throw new SuiteException(w + ": paper." + e.getKey() + "." + t.getKey() + ": not one of the suite's tasks");
                    if (!t.getValue().isNull() && !t.getValue().isNumber()) throw new SuiteException(w + ": paper." + e.getKey() + "." + t.getKey() + ": expected a number or null");
                    row.put(t.getKey(), t.getValue().isNull() ? null : t.getValue().asDouble());
                });
                paper.put(e.getKey(), row);
            });
        }
        Suite suite = new Suite(name, size, reproduces, sizeNote, tasks, models, taskModels, data, sub, seq2seq, methods, grid, seeds, metric, agg, paper);
        try {
            suite.cells();   // resolves every budget and hyper-parameter now
        } catch (SuiteException e) {
            throw new SuiteException(e.getMessage().replaceFirst("^suite " + java.util.regex.Pattern.quote(name), java.util.regex.Matcher.quoteReplacement(w)));
        }
        return suite;
    }

    /** Every cell, in table order: task, model, method, grid point, seed. */
    public List<Cell> cells() {
        List<Cell> out = new ArrayList<>();
        for (String task : tasks) {
            for (String model : taskModels.get(task)) {
                for (int mi = 0; mi < methods.size(); mi++) {
                    MethodEntry m = methods.get(mi);
                    String where = "suite " + name + ": methods[" + mi + "]";
                    String spec = m.spec() != null ? m.spec() : budgetSpec(m, architecture(task, model), where);
                    // a method's own hyper-parameters replace the suite's values of the same keys (not multiply them)
                    Set<String> own = m.grid().get(0).keySet();
                    List<Map<String, Object>> suiteGrid = new ArrayList<>(new LinkedHashSet<>(grid.stream().map(g -> {
                        Map<String, Object> c = new LinkedHashMap<>(g);
                        c.keySet().removeAll(own);
                        return c;
                    }).toList()));
                    for (Map<String, Object> g : suiteGrid) {
                        for (Map<String, Object> mg : m.grid()) {
                            Hyper h = Hyper.defaults();
                            for (var e : g.entrySet()) h = h.with(e.getKey(), e.getValue(), "suite " + name + ": hyper");
                            for (var e : mg.entrySet()) h = h.with(e.getKey(), e.getValue(), where + ".hyper");
                            validate(h, where);
                            for (long seed : seeds) {
                                out.add(new Cell(name, task, model, data.get(task), m.label(), spec, h, seed, subsample.get(task), metrics.get(task), seq2seq.get(task)));
                            }
                        }
                    }
                }
            }
        }
        if (out.stream().map(Cell::folder).distinct().count() < out.size()) {
            throw new SuiteException("suite " + name + ": two cells train the same configuration (same method spec, hyper-parameters and seed)");
        }
        return out;
    }

    private static void validate(Hyper h, String where) {
        try {
            new org.petl.tasks.train.TrainConfig(h.epochs(), h.lr(), h.batch(), h.gradAccum(), h.warmup(), h.weightDecay(), h.clip(),
                    h.labelSmoothing(), h.evalEvery(), 0L, h.schedule(), h.maxSteps());
        } catch (IllegalArgumentException e) {
            throw new SuiteException(where + ": " + e.getMessage());
        }
        if (h.maxLen() < 2) throw new SuiteException(where + ": max_len must be at least 2, got " + h.maxLen());
        if (!(h.dropout() >= 0 && h.dropout() < 1)) throw new SuiteException(where + ": dropout must be in [0, 1), got " + h.dropout());
    }

    /** What a task trains on a model: the model itself, or for a generation task its encoder-decoder (minilm-l6:seq2seq). */
    static String architecture(String task, String model) {
        return TaskKind.of(task, "task") instanceof TaskKind.Generation ? org.petl.tasks.seq2seq.Seq2SeqSetup.seq2seqModel(model) : model;
    }

    /** The task's own metric: accuracy, ROUGE-2 (summaries) or BLEU (translation). */
    static String defaultMetric(String task) {
        if (TaskKind.of(task, "task") instanceof TaskKind.Classification) return "test_accuracy";
        return task.toLowerCase(java.util.Locale.ROOT).contains("ro") && !task.equalsIgnoreCase("xsum") ? "test_bleu" : "test_rouge2";
    }

    /**
     * A setting given once for every task, or per task as {task: value} (every key one of the suite's tasks); tasks
     * without a value get {@code fallback}.
     */
    static <T> Map<String, T> perTask(JsonNode n, List<String> tasks, String w, T fallback, java.util.function.BiFunction<JsonNode, String, T> parse) {
        Map<String, T> out = new LinkedHashMap<>();
        for (String t : tasks) out.put(t, fallback);
        if (n.isMissingNode() || n.isNull()) return out;
        boolean byTask = n.isObject() && !n.isEmpty();
        for (Iterator<String> it = n.fieldNames(); byTask && it.hasNext(); ) byTask = tasks.contains(it.next());
        if (!byTask) {
            T v = parse.apply(n, w);
            for (String t : tasks) out.put(t, v);
            return out;
        }
        n.fields().forEachRemaining(e -> out.put(e.getKey(), parse.apply(e.getValue(), w + "." + e.getKey())));
        return out;
    }

    static String budgetSpec(MethodEntry m, String model, String where) {
        Architecture arch;
        try {
            arch = new Architecture(org.petl.models.store.ModelStore.describe(model));
        } catch (RuntimeException e) {
            throw new SuiteException(where + ": a budget needs a known architecture; " + e.getMessage());
        }
        try {
            return Budget.plan(arch, m.budgetPreset(), m.budgetPercent()).spec();
        } catch (MethodSpecException e) {
            throw new SuiteException(where + ": " + e.getMessage());
        }
    }

    private static MethodEntry method(JsonNode n, String w, List<String> models) {
        if (!n.isObject()) throw new SuiteException(w + ": expected {\"label\": ..., \"spec\": ...} or {\"label\": ..., \"method\": PRESET, \"budget\": PERCENT}");
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!Set.of("label", "spec", "method", "budget", "hyper").contains(k)) throw new SuiteException(w + ": unknown field '" + k + "' (label, spec, method, budget, hyper)");
        }
        String spec = text(n, "spec", w, false);
        String preset = text(n, "method", w, false);
        JsonNode b = n.path("budget");
        if ((spec == null) == (preset == null)) throw new SuiteException(w + ": give either spec or method + budget");
        Double budget = null;
        if (preset != null) {
            if (!b.isNumber()) throw new SuiteException(w + ": budget: expected a percentage of the base model, e.g. 0.1");
            budget = b.asDouble();
        } else if (!b.isMissingNode()) {
            throw new SuiteException(w + ": budget goes with method (a preset), not with spec");
        }
        if (spec != null) {
            try {
                Methods.parse(spec);
            } catch (MethodSpecException | IllegalArgumentException e) {
                throw new SuiteException(w + ".spec: " + e.getMessage());
            }
        }
        String label = n.has("label") ? text(n, "label", w, true) : (spec != null ? spec : preset + " " + budget + "%");
        MethodEntry m = new MethodEntry(label, spec, preset, budget, grid(n.path("hyper"), w + ".hyper", List.of(new LinkedHashMap<>())));
        if (preset != null) for (String model : models) budgetSpec(m, model, w);   // generation tasks' models: checked when the cells are made
        return m;
    }

    /** The cartesian product of an object whose values are scalars or lists (a list sweeps that hyper-parameter). */
    private static List<Map<String, Object>> grid(JsonNode h, String w, List<Map<String, Object>> start) {
        if (h.isMissingNode() || h.isNull()) return start;
        if (!h.isObject()) throw new SuiteException(w + ": expected an object of hyper-parameters (a list sweeps one)");
        List<Map<String, Object>> out = start;
        for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!Hyper.KEYS.contains(e.getKey())) throw new SuiteException(w + ": unknown hyper-parameter '" + e.getKey() + "' (known: " + String.join(", ", Hyper.KEYS) + ")");
            List<Object> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                if (e.getValue().isEmpty()) throw new SuiteException(w + "." + e.getKey() + ": an empty list sweeps nothing");
                e.getValue().forEach(v -> values.add(scalar(v, w + "." + e.getKey())));
            } else {
                values.add(scalar(e.getValue(), w + "." + e.getKey()));
            }
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> g : out) {
                for (Object v : values) {
                    Map<String, Object> c = new LinkedHashMap<>(g);
                    c.put(e.getKey(), v);
                    Hyper.defaults().with(e.getKey(), v, w);   // type check now
                    next.add(c);
                }
            }
            out = next;
        }
        return out;
    }

    private static Object scalar(JsonNode v, String w) {
        if (v.isNull()) return null;
        if (v.isNumber()) return v.isIntegralNumber() ? (Object) v.asLong() : (Object) v.asDouble();
        if (v.isTextual()) return v.asText();
        throw new SuiteException(w + ": expected a number or a string, got " + v);
    }

    private static String text(JsonNode n, String key, String w, boolean required) {
        JsonNode v = n.path(key);
        if (v.isMissingNode() || v.isNull()) {
            if (required) throw new SuiteException(w + ": " + key + " is missing");
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) throw new SuiteException(w + ": " + key + ": expected a non-empty string, got " + v);
        return v.asText().strip();
    }

    private static List<String> strings(JsonNode n, String key, String w) {
        JsonNode v = n.path(key);
        if (!v.isArray() || v.isEmpty()) throw new SuiteException(w + ": " + key + ": expected a non-empty list of strings");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual() || v.get(i).asText().isBlank()) throw new SuiteException(w + ": " + key + "[" + i + "]: expected a string, got " + v.get(i));
            out.add(v.get(i).asText().strip());
        }
        if (out.stream().distinct().count() < out.size()) throw new SuiteException(w + ": " + key + ": " + out + " lists a value twice");
        return out;
    }

    private static int count(JsonNode n, String key, String w) {
        JsonNode v = n.path(key);
        if (v.isMissingNode() || v.isNull()) return 0;
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE) throw new SuiteException(w + "." + key + ": expected a whole number >= 0, got " + v);
        return v.asInt();
    }
}
