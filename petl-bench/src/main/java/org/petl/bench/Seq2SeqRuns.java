package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.io.AtomicFiles;
import org.petl.tasks.seq2seq.Seq2SeqSetup;
import org.petl.tasks.train.Objective;
import org.petl.tasks.train.TrainConfig;
import org.petl.tasks.train.TrainResult;
import org.petl.tasks.train.RunFolder;
import org.petl.tasks.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** train, eval and compare for seq2seq tasks (and suite cells): the same commands, the seq2seq objective underneath. */
public final class Seq2SeqRuns {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Seq2SeqRuns() {
    }

    /** The compare plan of the second main job (warm-started MiniLM on debsum / l10n-en-ro, 2 CPU cores). */
    static final String DEFAULT_PLAN = "full@3e-4x1;lora:r=8,s=2@5e-3x1;prefix:l=16,mid=0@1e-2x1;pa:r=32@5e-3x1;mam:l=16,r=16,s=2,mid=0@5e-3x1";

    /**
     * The second main job's sizes per stand-in task, chosen so that the five methods of {@link #DEFAULT_PLAN} finish on
     * 2 CPU cores within 20 minutes: {@code compare} applies each one the user did not give on the command line.
     */
    record MainJob(int trainSize, int devSize, int testSize, int maxSource, int maxTarget, int minLength, int batch, int noRepeatNgram) {
    }

    static final Map<String, MainJob> MAIN_JOBS = Map.of(
            // 160 steps of 16 pairs: the most that five methods fit in 20 minutes on 2 cores; no repeated trigram (the
            // paper's XSum decoding), without which a briefly trained decoder loops ("mail mail mail …")
            "debsum", new MainJob(2560, 100, 200, 48, 16, 4, 16, 3),
            "l10n-en-ro", new MainJob(2560, 100, 200, 32, 32, 2, 16, 3));

    /** One seq2seq run into {@code dir}: the folder is locked and checked first, before anything loads. */
    static TrainCommand.Result trainOne(RunOptions run, Seq2SeqOptions s2s, Path dir, RunFolder.Mode mode) throws IOException {
        return trainOne(run, s2s, dir, mode, Map.of());
    }

    private static TrainCommand.Result trainOne(RunOptions run, Seq2SeqOptions s2s, Path dir, RunFolder.Mode mode, Map<String, Object> extraProvenance)
            throws IOException {
        Seq2SeqSetup setup = s2s.setup(run);
        ObjectNode runJson = run.toJson();
        s2s.toJson(runJson);
        @SuppressWarnings("unchecked")
        Map<String, Object> config = JSON.convertValue(runJson, Map.class);
        try (RunFolder folder = RunFolder.open(dir, mode, config)) {
            return trainOne(run, s2s, setup, folder, extraProvenance);
        }
    }

    /** {@code petl train}'s and the seq2seq options of one run, parsed from its command-line arguments. */
    @picocli.CommandLine.Command(name = "cell")
    static final class CellOptions {
        @picocli.CommandLine.Mixin RunOptions run = new RunOptions();
        @picocli.CommandLine.Mixin Seq2SeqOptions seq2seq = new Seq2SeqOptions();
    }

    /**
     * A suite cell: the seq2seq run that {@code petl train ARGS --out DIR} would train (the same options, defaults
     * and run folder), resumed from its last checkpoint when {@code dir} holds this very run; {@code provenance} is
     * added to its metrics.json. Returns the run's summary (what {@code petl train} prints).
     */
    public static ObjectNode trainCell(List<String> args, Path dir, Map<String, Object> provenance) throws IOException {
        CellOptions o = picocli.CommandLine.populateCommand(new CellOptions(), args.toArray(new String[0]));
        if (!org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(o.run.task)) throw new IllegalArgumentException(o.run.task + " is not a seq2seq task");
        return trainOne(o.run, o.seq2seq, dir, RunFolder.Mode.CONTINUE, provenance).summary();
    }

    private static TrainCommand.Result trainOne(RunOptions run, Seq2SeqOptions s2s, Seq2SeqSetup setup, RunFolder folder,
                                                Map<String, Object> extraProvenance) throws IOException {
        Path dir = folder.dir();
        long t0 = System.nanoTime();
        Seq2SeqSetup.Prepared p = setup.prepare();
        TrainConfig cfg = run.trainConfig();
        Map<String, Object> provenance = new LinkedHashMap<>(extraProvenance);
        provenance.put("model", p.model().name());
        provenance.put("task", run.task);
        provenance.put("method", p.method().spec());
        provenance.put("max_source", setup.maxSource());
        provenance.put("max_target", setup.maxTarget());
        provenance.put("dropout", run.dropout);
        provenance.put("attention_dropout", run.attentionDropout());
        provenance.put("data", p.data().sizes() + "; " + p.data().notes());
        Objective.Seq2SeqLm obj = p.objective(setup.maxTokens(), s2s.evalBatch);
        TrainResult r = Trainer.train(obj, p.applied(), cfg, provenance, folder, (st, l) -> { });
        AdapterFiles.save(p.applied(), folder.adapterDir(), p.model().name());
        ObjectNode s = JSON.createObjectNode();
        s.put("run", dir.toString());
        s.put("method", p.method().spec());
        s.put("data", p.data().sizes());
        String select = obj.selection(cfg.select()).metric();
        s.put("best_dev_" + select, r.bestDevMetric());
        s.put("best_step", r.bestStep());
        r.finalMetrics().forEach((k, v) -> s.put(k.equals("dev") ? "dev_" + select : k.equals("test") ? "test_" + select : k, v));
        s.put("steps", r.steps());
        long trainable = p.applied().trainableCount(), base = p.applied().baseCount();
        s.put("trainable_params", trainable);
        s.put("base_params", base);
        s.put("trainable_percent", 100.0 * trainable / base);
        s.put("train_seconds", r.wallSeconds());
        s.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        s.put("tokens_per_second", r.tokensPerSecond());
        return new TrainCommand.Result(s, r, trainable, base);
    }

    /** petl eval --run DIR for a seq2seq run: the best adapter, every labelled split generated and scored. */
    static ObjectNode eval(Path runDir, JsonNode r, Path data) {
        RunOptions run = new RunOptions();
        run.model = r.path("model").asText();
        run.task = r.path("task").asText();
        run.data = data != null ? data : (r.path("data").isTextual() ? Path.of(r.path("data").asText()) : null);
        run.method = r.path("method").asText();
        run.seed = r.path("seed").asLong(42);
        run.dropout = 0;
        run.epochs = 1;
        run.lr = 1e-3;
        run.batch = 1;
        run.gradAccum = 1;
        run.maxLen = 64;
        run.warmup = 0;
        run.weightDecay = 0;
        run.clip = 1;
        run.labelSmoothing = 0;
        run.evalEvery = 0;
        run.schedule = "linear";
        run.pooling = "auto";
        run.head = "petl";
        Seq2SeqOptions s2s = Seq2SeqOptions.fromJson(r);
        Seq2SeqSetup setup = s2s.setup(run);
        Seq2SeqSetup.Prepared p = setup.prepare(runDir.resolve("adapter"));
        Objective.Seq2SeqLm obj = p.objective(setup.maxTokens(), s2s.evalBatch);
        ObjectNode out = JSON.createObjectNode();
        out.put("run", runDir.toString());
        out.put("method", p.method().spec());
        out.put("data", p.data().sizes());
        Path dir = runDir.resolve("evals").resolve("eval");
        for (String split : obj.evalSplits()) obj.evaluate(split, dir).forEach((k, v) -> out.put(split + "_" + k, v));
        out.put("predictions", dir.toString());
        return out;
    }

    /** The compare table: ROUGE or BLEU, trainable %, wall time; then example outputs beside their references. */
    static String table(ArrayNode rows, boolean rouge, Path out) throws IOException {
        StringBuilder b = new StringBuilder();
        if (rouge) {
            b.append("| method | lr | epochs | dev R-2 | test R-1 | test R-2 | test R-L | trainable params | trainable % | train time |\n");
            b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        } else {
            b.append("| method | lr | epochs | dev BLEU | test BLEU | test sacreBLEU (13a) | trainable params | trainable % | train time |\n");
            b.append("|---|---|---|---|---|---|---|---|---|\n");
        }
        for (JsonNode r : rows) {
            String common = String.format(Locale.ROOT, "| %s | %s | %d | ", r.path("method").asText(), r.path("lr").asText(), r.path("epochs").asInt());
            String tail = String.format(Locale.ROOT, " | %,d | %.2f%% | %.0f s |%n", r.path("trainable_params").asLong(), r.path("trainable_percent").asDouble(),
                    r.path("train_seconds").asDouble());
            if (rouge) {
                b.append(common).append(String.format(Locale.ROOT, "%.2f | %.2f | %.2f | %.2f", r.path("dev_rouge2").asDouble(), r.path("test_rouge1").asDouble(),
                        r.path("test_rouge2").asDouble(), r.path("test_rougeL").asDouble())).append(tail);
            } else {
                b.append(common).append(String.format(Locale.ROOT, "%.2f | %.2f | %.2f", r.path("dev_bleu").asDouble(), r.path("test_bleu").asDouble(),
                        r.path("test_sacrebleu").asDouble())).append(tail);
            }
        }
        b.append("\n").append(examples(rows, 3));
        return b.toString().strip();
    }

    /** The first n test sources' outputs of every method beside the reference. */
    static String examples(ArrayNode rows, int n) throws IOException {
        StringBuilder b = new StringBuilder("Examples (test):\n\n");
        Map<String, List<String>> byMethod = new LinkedHashMap<>();
        List<String> refs = null, ids = null;
        for (JsonNode r : rows) {
            Path f = Path.of(r.path("run").asText()).resolve("evals/final/test.predictions.jsonl");
            if (!Files.isRegularFile(f)) continue;
            List<String> lines = Files.readAllLines(f);
            List<JsonNode> rs = new java.util.ArrayList<>();
            for (String l : lines.subList(0, Math.min(n, lines.size()))) rs.add(JSON.readTree(l));
            byMethod.put(r.path("method").asText(), rs.stream().map(x -> x.path("prediction").asText()).toList());
            refs = rs.stream().map(x -> x.path("reference").asText()).toList();
            ids = rs.stream().map(x -> x.path("id").asText()).toList();
        }
        if (refs == null) return "";
        for (int i = 0; i < refs.size(); i++) {
            b.append("- `").append(ids.get(i)).append("` reference: ").append(refs.get(i)).append('\n');
            for (var e : byMethod.entrySet()) b.append("  - ").append(e.getKey()).append(": ").append(e.getValue().get(i)).append('\n');
        }
        return b.toString();
    }

    static boolean isRouge(String task) {
        return !(task.toLowerCase(Locale.ROOT).replace("-", "").contains("enro"));
    }
}
