package org.petl.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.petl.core.adapter.AdapterFiles;
import org.petl.tasks.RunSetup;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.data.Example;
import org.petl.tasks.data.TaskData;
import org.petl.tasks.train.MetricsReport;
import org.petl.tasks.train.TrainConfig;
import org.petl.tasks.train.TrainJob;
import org.petl.tasks.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one cell inside a Spark task: skips it when its folder holds a finished metrics.json with the same config
 * hash, resumes it from its last checkpoint when a killed run left one, and records a failure as a one-line reason
 * instead of failing the suite.
 */
public final class CellRunner {

    /** Written last, after metrics.json: its presence with status "finished" and the cell's hash marks a done cell. */
    public static final String CELL_JSON = "cell.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CellRunner() {
    }

    /** The cell's result; never throws for a problem of the cell itself. */
    public static CellResult run(Cell cell, String outRoot) {
        String folder = SuiteFs.join(outRoot, "cells/" + cell.folder());
        try {
            CellResult done = finished(cell, folder);
            if (done != null) return done;
            // the graphs of the cells this executor trained before are unreachable now; free their native buffers
            org.petl.core.site.NativeMemory.releaseUnreachable();
            return SuiteFs.withLocalDir(folder, dir -> train(cell, dir, folder));
        } catch (Throwable t) {
            String reason = oneLine(t);
            try {
                SuiteFs.writeString(SuiteFs.join(folder, CELL_JSON), JSON.writeValueAsString(cellJson(cell, "failed", reason)));
            } catch (Exception ignored) {
                // the failure is reported in the table either way
            }
            return CellResult.failure(cell, folder, reason);
        }
    }

    /** The result of a finished cell with this exact config, or null when it must (re)train. */
    static CellResult finished(Cell cell, String folder) throws IOException {
        String cj = SuiteFs.readString(SuiteFs.join(folder, CELL_JSON));
        String mj = SuiteFs.readString(SuiteFs.join(folder, MetricsReport.METRICS_JSON));
        if (cj == null || mj == null) return null;
        JsonNode c = JSON.readTree(cj);
        if (!"finished".equals(c.path("status").asText()) || !cell.hash().equals(c.path("hash").asText())) return null;
        return fromMetrics(cell, folder, CellResult.CACHED, JSON.readTree(mj));
    }

    private static CellResult train(Cell cell, Path dir, String folder) throws IOException {
        TaskKind kind = cell.kind();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(CELL_JSON), JSON.writeValueAsString(cellJson(cell, "running", null)));
        // Java 17 has no pattern switch: one branch per permitted subtype of the sealed TaskKind
        if (kind instanceof TaskKind.Classification) {
            trainClassifier(cell, dir);
        } else if (kind instanceof TaskKind.Generation) {
            trainSeq2Seq(cell, dir);
        } else {
            throw new IllegalStateException("unknown task kind " + kind);
        }
        JsonNode metrics = JSON.readTree(Files.readString(dir.resolve(MetricsReport.METRICS_JSON)));
        CellResult r = fromMetrics(cell, folder, CellResult.OK, metrics);
        if (!Double.isFinite(r.value())) throw new SuiteException("the run finished without a " + cell.metric() + " (its metrics.json has no such value)");
        Files.writeString(dir.resolve(CELL_JSON), JSON.writeValueAsString(cellJson(cell, "finished", null)));
        return r;
    }

    private static void trainClassifier(Cell cell, Path dir) throws IOException {
        Hyper h = cell.hyper();
        RunSetup setup = new RunSetup(cell.model(), cell.task(), cell.data() == null ? null : Path.of(cell.data()), cell.spec(), h.maxLen(),
                h.dropout(), h.pooling(), cell.seed());
        RunSetup.Prepared p = setup.prepare();
        TaskData data = subsample(p.data(), cell.subsample());
        TrainConfig cfg = new TrainConfig(h.epochs(), h.lr(), h.batch(), h.gradAccum(), h.warmup(), h.weightDecay(), h.clip(),
                h.labelSmoothing(), h.evalEvery(), cell.seed(), h.schedule(), h.maxSteps());
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("suite", cell.suite());
        provenance.put("cell", cell.id());
        provenance.put("config_hash", cell.hash());
        provenance.put("model", p.model().name());
        provenance.put("method", p.method().spec());
        provenance.put("max_length", h.maxLen());
        provenance.put("pooling", h.pooling());
        provenance.put("dropout", h.dropout());
        provenance.put("subsample", cell.config().get("subsample"));
        // always resume: the folder is keyed by the config hash, so a checkpoint in it is one of this very run
        Trainer.train(new TrainJob(p.graph(), p.applied(), data, p.batcher(), cfg, provenance), dir, true);
        AdapterFiles.save(p.applied(), dir.resolve("adapter"), p.model().name());
    }

    /**
     * A generation cell: the seq2seq run {@code petl train} makes with the same options (the warm-started
     * encoder-decoder for an encoder name such as minilm-l6), resumed from its last checkpoint when one is there.
     * Its subsample keeps the first N pairs of each split (the seq2seq splits are fixed and already shuffled by
     * source package or string, so the first N are a fair pick).
     */
    private static void trainSeq2Seq(Cell cell, Path dir) throws IOException {
        Hyper h = cell.hyper();
        Seq2SeqSettings s = cell.seq2seq() != null ? cell.seq2seq() : Seq2SeqSettings.defaults();
        List<String> args = new ArrayList<>(List.of("--model=" + cell.model(), "--task=" + cell.task(), "--method=" + cell.spec(),
                "--epochs=" + h.epochs(), "--lr=" + h.lr(), "--batch=" + h.batch(), "--grad-accum=" + h.gradAccum(), "--seed=" + cell.seed(),
                "--warmup=" + h.warmup(), "--weight-decay=" + h.weightDecay(), "--clip=" + h.clip(), "--label-smoothing=" + h.labelSmoothing(),
                "--dropout=" + h.dropout(), "--eval-every=" + h.evalEvery(), "--schedule=" + h.schedule(),
                "--train-size=" + cell.subsample().train(), "--dev-size=" + cell.subsample().dev(), "--test-size=" + cell.subsample().test()));
        if (cell.data() != null) args.add("--data=" + cell.data());
        if (h.maxSteps() != null) args.add("--max-steps=" + h.maxSteps());
        args.addAll(s.args());
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("suite", cell.suite());
        provenance.put("cell", cell.id());
        provenance.put("config_hash", cell.hash());
        provenance.put("subsample", cell.config().get("subsample"));
        org.petl.bench.Seq2SeqRuns.trainCell(args, dir, provenance);
    }

    /** Evenly spaced examples of each split (the whole split for 0), so a class-sorted split keeps its balance. */
    static TaskData subsample(TaskData d, Cell.Subsample s) {
        Map<String, Dataset> others = new LinkedHashMap<>();
        d.others().forEach((k, v) -> others.put(k, k.startsWith("test") ? pick(v, s.test()) : pick(v, s.dev())));
        return new TaskData(d.task(), pick(d.train(), s.train()), pick(d.dev(), s.dev()), others);
    }

    static Dataset pick(Dataset ds, int n) {
        if (n <= 0 || n >= ds.size()) return ds;
        List<Example> ex = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ex.add(ds.get((int) ((long) i * ds.size() / n)));
        return new Dataset(ds.name() + "[" + n + " of " + ds.size() + "]", ex, ds.labelNames(), ds.provenance());
    }

    static CellResult fromMetrics(Cell cell, String folder, String status, JsonNode m) {
        JsonNode fin = m.path("final");
        JsonNode par = m.path("parameters");
        List<double[]> curve = new ArrayList<>();
        String dev = cell.metric().replaceFirst("^(test|best_dev|dev)_", "");
        for (JsonNode e : m.path("eval_history")) {
            JsonNode v = e.path("metrics").path(dev);
            if (!v.isNumber()) v = e.path("metrics").path("accuracy");
            if (v.isNumber()) curve.add(new double[]{e.path("step").asDouble(), v.asDouble()});
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        m.path("data").fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
        return new CellResult(cell, folder, status, null, metricValue(fin, cell.metric()), num(fin, "dev"), num(fin, "test"),
                par.path("trainable").asLong(), par.path("base").asLong(), num(par, "trainable_percent"), num(fin, "wall_seconds"),
                fin.path("steps").asLong(), curve, hashes);
    }

    /** {@code test_accuracy} is final.test, {@code best_dev_accuracy} final.best_dev_accuracy, others final.&lt;name&gt;. */
    static double metricValue(JsonNode fin, String metric) {
        if (fin.has(metric)) return num(fin, metric);
        if (metric.endsWith("_accuracy")) return num(fin, metric.substring(0, metric.length() - "_accuracy".length()));
        return Double.NaN;
    }

    private static double num(JsonNode n, String key) {
        JsonNode v = n.path(key);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }

    private static Map<String, Object> cellJson(Cell cell, String status, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("hash", cell.hash());
        m.put("id", cell.id());
        m.put("label", cell.label());
        m.put("config", cell.config());
        if (reason != null) m.put("reason", reason);
        return m;
    }

    /** The first non-empty message down the cause chain, on one line. */
    static String oneLine(Throwable t) {
        Throwable root = t;
        String msg = t.getMessage();
        while ((msg == null || msg.isBlank()) && root.getCause() != null) {
            root = root.getCause();
            msg = root.getMessage();
        }
        String line = msg == null ? root.getClass().getSimpleName() : msg.lines().findFirst().orElse(root.getClass().getSimpleName());
        return root instanceof OutOfMemoryError ? "out of memory: " + line : line;
    }
}
