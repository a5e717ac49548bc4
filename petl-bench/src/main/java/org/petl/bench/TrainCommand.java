package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.io.AtomicFiles;
import org.petl.tasks.RunSetup;
import org.petl.tasks.train.TrainConfig;
import org.petl.tasks.train.TrainJob;
import org.petl.tasks.train.TrainResult;
import org.petl.tasks.train.RunFolder;
import org.petl.tasks.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Fine-tune a pretrained model with a PETL method: an encoder on a classification task, or an encoder-decoder on a seq2seq task (debsum, l10n-en-ro, xsum, wmt16-en-ro).")
public final class TrainCommand implements Callable<Integer> {

    @Mixin
    RunOptions run;

    @Mixin
    Seq2SeqOptions seq2seq;

    @Option(names = "--out", description = "run folder (default runs/<task>-<method>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its latest checkpoint (same options)")
    boolean resume;

    @Option(names = "--overwrite", description = "replace the run already in --out (its checkpoints, best, adapter and metrics are deleted)")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (resume && overwrite) throw new IllegalArgumentException("--resume and --overwrite exclude each other: continue the run, or replace it");
        Path dir = out != null ? out : Path.of("runs", run.task + "-" + RunOptions.slug(run.method));
        RunFolder.Mode mode = resume ? RunFolder.Mode.RESUME : overwrite ? RunFolder.Mode.OVERWRITE : RunFolder.Mode.NEW;
        Result r = org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(run.task) ? Seq2SeqRuns.trainOne(run, seq2seq, dir, mode) : trainOne(run, dir, mode);
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r.summary()));
        return 0;
    }

    /** Outcome of one run, for the train and compare commands. */
    record Result(ObjectNode summary, TrainResult train, long trainable, long base) {
    }

    /** One run into {@code dir}: the folder is locked and checked first, before anything loads. */
    static Result trainOne(RunOptions run, Path dir, RunFolder.Mode mode) throws Exception {
        RunSetup setup = run.setup();
        @SuppressWarnings("unchecked")
        Map<String, Object> config = new ObjectMapper().convertValue(run.toJson(), Map.class);
        try (RunFolder folder = RunFolder.open(dir, mode, config)) {
            return trainOne(run, setup, folder);
        }
    }

    private static Result trainOne(RunOptions run, RunSetup setup, RunFolder folder) throws Exception {
        Path dir = folder.dir();
        long t0 = System.nanoTime();
        RunSetup.Prepared p = setup.prepare();
        TrainConfig cfg = run.trainConfig();
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("model", p.model().name());
        provenance.put("model_config", p.model().config());
        provenance.put("options", run.toJson());
        provenance.put("task", run.task);
        provenance.put("method", p.method().spec());
        provenance.put("max_length", run.maxLen);
        provenance.put("pooling", run.pooling);
        provenance.put("dropout", run.dropout);
        provenance.put("attention_dropout", run.attentionDropout());
        TrainResult r = Trainer.train(new TrainJob(p.graph(), p.applied(), p.data(), p.batcher(), cfg, provenance), folder, (st, l) -> { });
        AdapterFiles.Written saved = AdapterFiles.save(p.applied(), folder.adapterDir(), p.model().name());
        saved.notes().forEach(n -> System.err.println("note: " + n));
        ObjectNode s = new ObjectMapper().createObjectNode();
        s.put("run", dir.toString());
        s.put("method", p.method().spec());
        String select = cfg.select() != null ? cfg.select() : "accuracy";
        s.put("best_dev_" + select, r.bestDevMetric());
        s.put("best_step", r.bestStep());
        // "dev"/"test" hold the selection metric; "test_accuracy", "test_loss", ... every metric of the split
        java.util.Set<String> splits = p.data().all().keySet();
        r.finalMetrics().forEach((k, v) -> s.put(splits.contains(k) ? k + "_" + select : k, v));
        s.put("steps", r.steps());
        long trainable = p.applied().trainableCount(), base = p.applied().baseCount();
        s.put("trainable_params", trainable);
        s.put("base_params", base);
        s.put("trainable_percent", 100.0 * trainable / base);
        s.put("train_seconds", r.wallSeconds());
        s.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        s.put("tokens_per_second", r.tokensPerSecond());
        return new Result(s, r, trainable, base);
    }
}
