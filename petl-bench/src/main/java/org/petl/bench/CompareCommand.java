package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.io.AtomicFiles;
import org.petl.tasks.train.RunFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.petl.core.method.Methods;
import org.petl.models.store.ModelStore;

/**
 * The README's main job: several methods fine-tune the same model on the same data with the same seed; one table
 * of test accuracy, trainable parameters and wall time.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Fine-tune one model with several methods and print a side-by-side table (accuracy, trainable %%, time).")
public final class CompareCommand implements Callable<Integer> {

    /** Method, learning rate, epochs: the defaults of the main job (MiniLM on polarity, 2 CPU cores). */
    static final String DEFAULT_PLAN = "full@1e-4x1;lora:r=8,s=2@3e-3x1;prefix:l=16,mid=0@1e-2x1;pa:r=32@2e-3x1;mam:l=16,r=16,s=2,mid=0@6e-3x1";

    @Mixin
    RunOptions run;

    @Mixin
    Seq2SeqOptions seq2seq;

    @Spec
    CommandSpec spec;

    @Option(names = "--plan",
            description = "methods separated by ';', each SPEC[@LR][xEPOCHS] (default: " + DEFAULT_PLAN + "; seq2seq tasks: " + Seq2SeqRuns.DEFAULT_PLAN + ")")
    String plan;

    @Option(names = "--jobs", defaultValue = "0",
            description = "methods trained at once, each on one core; 0: one per core while memory allows, 10 GiB each (default ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--out", description = "folder for the runs and the table (default runs/compare for polarity, runs/compare-TASK for another task)")
    Path out;

    @Option(names = "--overwrite", description = "replace runs already in --out (their checkpoints, best, adapter and metrics are deleted)")
    boolean overwrite;

    /** One plan entry; {@code folder} is its run folder under --out, unique within the plan. */
    record Entry(String spec, double lr, int epochs, String folder) {
    }

    static List<Entry> parsePlan(String plan, double lr, int epochs) {
        List<Entry> out = new ArrayList<>();
        for (String part : plan.split(";")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int e = epochs;
            double l = lr;
            int x = p.lastIndexOf('x');
            int at = p.lastIndexOf('@');
            if (at >= 0) {
                String tail = p.substring(at + 1);
                int xi = tail.indexOf('x');
                try {
                    l = Double.parseDouble(xi >= 0 ? tail.substring(0, xi) : tail);
                    if (xi >= 0) e = Integer.parseInt(tail.substring(xi + 1));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("plan entry '" + p + "': expected SPEC@LR or SPEC@LRxEPOCHS");
                }
                p = p.substring(0, at);
            } else if (x > 0 && p.substring(x + 1).matches("\\d+")) {
                e = Integer.parseInt(p.substring(x + 1));
                p = p.substring(0, x);
            }
            out.add(new Entry(p, l, e, RunOptions.slug(p)));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("empty plan: give at least one method");
        // the same method twice (a learning-rate sweep) gets one folder per setting; runs never share a folder
        Map<String, Long> uses = out.stream().collect(java.util.stream.Collectors.groupingBy(Entry::folder, java.util.stream.Collectors.counting()));
        List<Entry> unique = new ArrayList<>();
        for (Entry x : out) {
            String folder = uses.get(x.folder()) == 1 ? x.folder() : RunOptions.slug(x.spec() + "@" + x.lr() + "x" + x.epochs());
            unique.add(new Entry(x.spec(), x.lr(), x.epochs(), folder));
        }
        if (unique.stream().map(Entry::folder).distinct().count() < unique.size()) {
            throw new IllegalArgumentException("plan lists the same method, learning rate and epochs twice");
        }
        return unique;
    }

    static Path defaultOut(String task) {
        String t = task.toLowerCase(Locale.ROOT);
        return Path.of(t.equals("polarity") ? "runs/compare" : "runs/compare-" + t.replaceAll("[^a-z0-9-]+", "_"));
    }

    @Override
    public Integer call() throws Exception {
        boolean s2s = org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(run.task);
        // one default folder per task: the second main job after the first must not collide with its finished runs
        if (out == null) out = defaultOut(run.task);
        if (s2s) applyMainJobSizes();
        List<Entry> entries = parsePlan(plan != null ? plan : s2s ? Seq2SeqRuns.DEFAULT_PLAN : DEFAULT_PLAN, run.lr, run.epochs);
        for (Entry e : entries) Methods.parse(e.spec());          // a bad spec fails now, not after an hour of training
        if (!overwrite) for (Entry e : entries) RunFolder.requireNoRun(out.resolve(e.folder()), "--overwrite");
        if (s2s) {
            // fetch and check the weights and the data once, before any worker starts
            org.petl.models.store.ModelStore.resolveSeq2Seq(org.petl.tasks.seq2seq.Seq2SeqSetup.seq2seqModel(seq2seq.setup(run).model()));
            org.petl.tasks.data.Seq2SeqTasks.load(run.task, run.data);
        } else {
            ModelStore.resolve(run.setup().model());               // fetch and check the weights once, before any worker starts
        }
        int workers = Math.max(1, Math.min(entries.size(), jobs > 0 ? jobs : autoJobs()));
        long t0 = System.nanoTime();
        System.out.printf(Locale.ROOT, "%d methods, %d at a time%n", entries.size(), workers);
        if (workers > 1) System.setProperty("petl.progress", "plain");   // one progress bar per console line would fight
        ObjectNode[] done = new ObjectNode[entries.size()];
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<ObjectNode>> futures = new ArrayList<>();
            for (Entry e : entries) futures.add(pool.submit(() -> runOne(e)));
            for (int i = 0; i < futures.size(); i++) {
                try {
                    done[i] = futures.get(i).get();
                } catch (ExecutionException ex) {
                    pool.shutdownNow();
                    if (ex.getCause() instanceof Exception c) throw c;
                    throw ex;
                }
            }
        } finally {
            pool.shutdown();
        }
        ArrayNode rows = new ObjectMapper().createArrayNode();
        for (ObjectNode row : done) rows.add(row);
        String table = s2s ? Seq2SeqRuns.table(rows, Seq2SeqRuns.isRouge(run.task), out) : table(rows);
        ObjectNode all = new ObjectMapper().createObjectNode();
        all.put("model", run.model);
        all.put("task", run.task);
        all.put("seed", run.seed);
        all.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        all.set("runs", rows);
        AtomicFiles.writeString(out.resolve("compare.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
        AtomicFiles.writeString(out.resolve("compare.md"), table + "\n");
        System.out.println();
        System.out.println(table);
        System.out.printf(Locale.ROOT, "total %.0f s; runs and metrics in %s%n", (System.nanoTime() - t0) / 1e9, out);
        return 0;
    }

    /** debsum and l10n-en-ro: the second main job's subsample and lengths, for every option not given explicitly. */
    void applyMainJobSizes() {
        Seq2SeqRuns.MainJob job = Seq2SeqRuns.MAIN_JOBS.get(run.task.toLowerCase(Locale.ROOT));
        if (job == null) return;
        var parsed = spec.commandLine().getParseResult();
        if (!parsed.hasMatchedOption("--train-size")) seq2seq.trainSize = job.trainSize();
        if (!parsed.hasMatchedOption("--dev-size")) seq2seq.devSize = job.devSize();
        if (!parsed.hasMatchedOption("--test-size")) seq2seq.testSize = job.testSize();
        if (!parsed.hasMatchedOption("--max-source")) seq2seq.maxSource = job.maxSource();
        if (!parsed.hasMatchedOption("--max-target")) seq2seq.maxTarget = job.maxTarget();
        if (!parsed.hasMatchedOption("--min-length")) seq2seq.minLength = job.minLength();
        if (!parsed.hasMatchedOption("--batch")) run.batch = job.batch();
        if (!parsed.hasMatchedOption("--no-repeat-ngram")) seq2seq.noRepeatNgram = job.noRepeatNgram();
        System.out.printf(Locale.ROOT, "second main job on %s: %s (options given on the command line win)%n", run.task,
                String.format(Locale.ROOT, "train %d / dev %d / test %d pairs, sources ≤ %d tokens, targets ≤ %d, min length %d, batch %d, no repeated %d-gram",
                        seq2seq.trainSize, seq2seq.devSize, seq2seq.testSize, seq2seq.maxSource, seq2seq.maxTarget, seq2seq.minLength, run.batch, seq2seq.noRepeatNgram));
    }

    private ObjectNode runOne(Entry e) throws Exception {
        // the graphs of the runs finished before this one are unreachable now; free their native buffers
        org.petl.core.site.NativeMemory.releaseUnreachable();
        System.out.println("== start " + e.spec() + " (lr " + e.lr() + ", " + e.epochs() + " epochs)");
        boolean s2s = org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(run.task);
        RunFolder.Mode mode = overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW;
        TrainCommand.Result r = s2s ? Seq2SeqRuns.trainOne(run.copyWith(e.spec(), e.lr(), e.epochs()), seq2seq.copy(), out.resolve(e.folder()), mode)
                : TrainCommand.trainOne(run.copyWith(e.spec(), e.lr(), e.epochs()), out.resolve(e.folder()), mode);
        ObjectNode row = r.summary();
        row.put("lr", e.lr());
        row.put("epochs", e.epochs());
        if (s2s) {
            System.out.printf(Locale.ROOT, "== done %s (lr %s): %s, %.0f s%n", e.spec(), e.lr(), row.toString(), row.path("train_seconds").asDouble());
            return row;
        }
        System.out.printf(Locale.ROOT, "== done %s (lr %s): dev %.1f, test %.1f, %.0f s%n", e.spec(), e.lr(),
                100 * row.path("dev_accuracy").asDouble(), 100 * row.path("test_accuracy").asDouble(), row.path("train_seconds").asDouble());
        return row;
    }

    /**
     * Memory one MiniLM training run needs beside another in the same process: the main job peaked at 18.9 GB
     * resident for two (2026-12-03; glibc keeps freed memory, see ./petl), so 8 GiB each let a 16 GiB machine start
     * two and run out.
     */
    static final int GIB_PER_JOB = 10;

    /**
     * One worker per core: one OpenMP thread per run is faster than two threads on one run (measured 380 vs 334
     * tokens/s on 2 cores), and two runs side by side reach 1.2-1.5x the throughput of one (short runs and the
     * main job). Bounded by memory.
     */
    public static int autoJobs() {
        int cores = Runtime.getRuntime().availableProcessors();
        long ram = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        int byMemory = (int) Math.max(1, ram / ((long) GIB_PER_JOB << 30));
        return Math.max(1, Math.min(cores, byMemory));
    }

    static String table(ArrayNode rows) {
        StringBuilder b = new StringBuilder();
        b.append("| method | lr | epochs | dev acc | test acc | trainable params | trainable % | train time |\n");
        b.append("|---|---|---|---|---|---|---|---|\n");
        for (var r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %,d | %.2f%% | %.0f s |%n",
                    r.path("method").asText(), r.path("lr").asText(), r.path("epochs").asInt(),
                    100 * r.path("dev_accuracy").asDouble(), 100 * r.path("test_accuracy").asDouble(),
                    r.path("trainable_params").asLong(), r.path("trainable_percent").asDouble(), r.path("train_seconds").asDouble()));
        }
        return b.toString().strip();
    }
}
