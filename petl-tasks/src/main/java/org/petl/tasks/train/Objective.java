package org.petl.tasks.train;

import org.petl.core.site.NativeMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.io.AtomicFiles;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.data.Example;
import org.petl.tasks.data.Provenance;
import org.petl.tasks.data.Seq2SeqDataset;
import org.petl.tasks.data.Seq2SeqExample;
import org.petl.tasks.data.Seq2SeqMetric;
import org.petl.tasks.data.Seq2SeqTaskData;
import org.petl.tasks.data.TaskData;

/**
 * What a run optimises and how it is scored; the {@link Trainer} loop is the same for every objective.
 * <ul>
 *   <li>{@link Classification}: an encoder with a classification head, label-smoothed soft targets, accuracy.</li>
 *   <li>{@link Seq2SeqLm}: a teacher-forced encoder-decoder, the label-smoothed token loss built in the graph
 *       ({@link Seq2SeqLoss}), fixed-size or token-budget batches, evaluation by generation + ROUGE/BLEU when a
 *       generator is given (else teacher-forced loss), predictions written at every evaluation.</li>
 * </ul>
 */
public sealed interface Objective permits Objective.Classification, Objective.Seq2SeqLm {

    /** One training micro-batch: the placeholders, its weight in the step's mean (examples or labelled tokens), its tokens. */
    record Micro(Map<String, INDArray> placeholders, double weight, long tokens) {
    }

    SameDiff sameDiff();

    String task();

    /** Prepares the graph for {@code c} (e.g. the loss variable for its label smoothing) and returns the loss variable. */
    String prepare(TrainConfig c);

    int trainSize();

    BatchSampler sampler(TrainConfig c, RunRng shuffle);

    BatchSampler resumeSampler(TrainConfig c, Checkpoint.State s);

    Micro micro(int[] indices, TrainConfig c);

    /** Splits scored at the end with the best parameters (dev first); train is never among them. */
    List<String> evalSplits();

    /**
     * Scores one split (no dropout); every selectable metric is among the keys, {@code loss} included: the
     * teacher-forced loss of training (label smoothing {@code labelSmoothing}, padding ignored), a mean over
     * examples (classification) or labelled tokens (seq2seq). When {@code out} is non-null the evaluation writes
     * its predictions (and metrics) there as {@code SPLIT.predictions.jsonl}/{@code SPLIT.metrics.json}.
     */
    Map<String, Double> evaluate(String split, Path out, double labelSmoothing);

    /** {@link #evaluate(String, Path, double)} with the unsmoothed loss. */
    default Map<String, Double> evaluate(String split, Path out) {
        return evaluate(split, out, 0);
    }

    /** The evaluation key that selects the best checkpoint unless a run asks for another. */
    String selectBy();

    boolean higherIsBetter();

    /** How the best checkpoint is chosen: an evaluation key and its direction. */
    record Selection(String metric, boolean higherIsBetter) {
    }

    /**
     * The selection a run asks for ({@code --select}): null or {@link #selectBy()} is the objective's own metric,
     * {@code loss} is the dev loss (lower is better); any other name is refused in one line.
     */
    default Selection selection(String requested) {
        if (requested == null || requested.equals(selectBy())) return new Selection(selectBy(), higherIsBetter());
        if (requested.equals("loss")) return new Selection("loss", false);
        throw new IllegalArgumentException("--select " + requested + ": " + task() + " selects by " + selectBy() + " or loss");
    }

    /** model and graph options for metrics.json */
    Map<String, Object> describe();

    /** split (and file) name to SHA-256 for metrics.json */
    Map<String, String> dataHashes();

    // ------------------------------------------------------------------ classification

    record Classification(EncoderGraph graph, TaskData data, Batcher batcher) implements Objective {

        public Classification {
            if (graph.options().head() == null) throw new IllegalArgumentException("training needs a graph with a classification head");
            if (graph.options().head().numLabels() != data.numLabels()) {
                throw new IllegalArgumentException("head has " + graph.options().head().numLabels() + " labels, task " + data.task() + " has " + data.numLabels());
            }
        }

        public SameDiff sameDiff() {
            return graph.sameDiff();
        }

        public String task() {
            return data.task();
        }

        public String prepare(TrainConfig c) {
            return "loss";
        }

        public int trainSize() {
            return data.train().size();
        }

        public BatchSampler sampler(TrainConfig c, RunRng shuffle) {
            return new EpochSampler(trainSize(), c.batchSize(), false, shuffle, Trainer.lengths(data.train()));
        }

        public BatchSampler resumeSampler(TrainConfig c, Checkpoint.State s) {
            return EpochSampler.resume(trainSize(), c.batchSize(), false, s.rngState(), s.epoch(), s.positionInEpoch(), Trainer.lengths(data.train()));
        }

        public Micro micro(int[] idx, TrainConfig c) {
            List<Example> ex = new ArrayList<>(idx.length);
            int[] labels = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                ex.add(data.train().get(idx[i]));
                labels[i] = ex.get(i).label();
            }
            EncoderBatch batch = batcher.encode(ex);
            Map<String, INDArray> ph = batch.placeholders(graph.config(), graph.keepProbability(true));
            ph.put("labels", Trainer.targets(labels, data.numLabels(), c.labelSmoothing()));
            // weight by examples: a short last batch counts for what it holds (mean loss over all examples)
            return new Micro(ph, idx.length, batch.tokens());
        }

        public List<String> evalSplits() {
            List<String> s = new ArrayList<>();
            data.all().forEach((k, v) -> {
                if (!k.equals("train") && v.isLabeled()) s.add(k);
            });
            return s;
        }

        public Map<String, Double> evaluate(String split, Path out, double labelSmoothing) {
            Dataset ds = data.all().get(split);
            Trainer.Evaluation e = Trainer.evaluate(graph, ds, batcher, Trainer.EVAL_BATCH, labelSmoothing);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("accuracy", e.accuracy());
            m.put("loss", e.loss());
            return m;
        }

        public String selectBy() {
            return "accuracy";
        }

        public boolean higherIsBetter() {
            return true;
        }

        /** The model config and graph options as JSON objects (records serialise field by field). */
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", graph.config());
            m.put("options", graph.options());
            return m;
        }

        /**
         * Per split the SHA-256 of its examples (text, pair, label per line: splits cut from one file differ), and
         * under {@code split/file} the SHA-256 of the file it was read from.
         */
        public Map<String, String> dataHashes() {
            Map<String, String> m = new LinkedHashMap<>();
            data.all().forEach((name, ds) -> {
                m.put(name, splitHash(ds));
                m.put(name + "/file", ds.provenance().sha256());
            });
            return m;
        }

        static String splitHash(org.petl.tasks.data.Dataset ds) {
            try {
                java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
                for (org.petl.tasks.data.Example e : ds.examples()) {
                    md.update((e.text() + "\t" + (e.textPair() == null ? "" : e.textPair()) + "\t" + e.label() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                return java.util.HexFormat.of().formatHex(md.digest());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ------------------------------------------------------------------ seq2seq

    /** Generates one output per source, in order (greedy or beam search over the same graph's weights). */
    @FunctionalInterface
    interface Generator {
        List<String> generate(List<String> sources);
    }

    /**
     * A teacher-forced seq2seq graph: placeholders from {@code batcher}, {@code logits} [B, T, V], INT {@code labels}.
     *
     * @param maxTokens  token budget per micro-batch (fairseq's max_tokens; rows × longest of source/target), or 0 for
     *                   fixed batches of {@code batchSize} pairs
     * @param generator  evaluation by generation and the task metric; null scores teacher-forced loss (lower is better)
     * @param describe   model description for metrics.json
     */
    record Seq2SeqLm(SameDiff sameDiff, String logits, int vocab, Seq2SeqTaskData data, Seq2SeqBatcher batcher, float trainKeep,
                     int maxTokens, int evalBatch, Generator generator, Map<String, Object> describe) implements Objective {

        private static final ObjectMapper JSON = new ObjectMapper();

        public Seq2SeqLm {
            if (vocab <= 1) throw new IllegalArgumentException("vocab must be > 1");
            if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
            if (evalBatch <= 0) throw new IllegalArgumentException("eval batch must be positive");
            if (!sameDiff.hasVariable(logits)) throw new IllegalArgumentException("the graph has no " + logits + " output");
            describe = describe == null ? Map.of() : Map.copyOf(describe);
        }

        public String task() {
            return data.task();
        }

        public String prepare(TrainConfig c) {
            // the unsmoothed loss (what evaluation reports) exists before the gradient function is built; the smoothed one trains
            Seq2SeqLoss.attach(sameDiff, logits, "labels", vocab, 0);
            Seq2SeqLoss.attach(sameDiff, logits, "labels", vocab, c.labelSmoothing());
            return Seq2SeqLoss.name(c.labelSmoothing());
        }

        public int trainSize() {
            return data.train().size();
        }

        /** Padded cost per pair: the longer of its source and target in tokens. */
        int[] costs() {
            int[] l = new int[trainSize()];
            for (int i = 0; i < l.length; i++) {
                int[] t = batcher.tokens(data.train().get(i));
                l[i] = Math.max(t[0], t[1]);
            }
            return l;
        }

        public BatchSampler sampler(TrainConfig c, RunRng shuffle) {
            return maxTokens > 0 ? new TokenBudgetSampler(costs(), maxTokens, shuffle)
                    : new EpochSampler(trainSize(), c.batchSize(), false, shuffle, costs());
        }

        public BatchSampler resumeSampler(TrainConfig c, Checkpoint.State s) {
            return maxTokens > 0 ? TokenBudgetSampler.resume(costs(), maxTokens, s.rngState(), s.epoch(), s.positionInEpoch())
                    : EpochSampler.resume(trainSize(), c.batchSize(), false, s.rngState(), s.epoch(), s.positionInEpoch(), costs());
        }

        public Micro micro(int[] idx, TrainConfig c) {
            List<Seq2SeqExample> ex = new ArrayList<>(idx.length);
            long tokens = 0;
            for (int i : idx) {
                Seq2SeqExample e = data.train().get(i);
                ex.add(e);
                int[] t = batcher.tokens(e);
                tokens += t[0] + t[1];
            }
            Map<String, INDArray> ph = batcher.encode(ex, trainKeep);
            // the loss is a mean over labelled tokens: weight micro-batches by them, so the step's loss is the mean over all
            return new Micro(ph, labelled(ph.get("labels")), tokens);
        }

        static long labelled(INDArray labels) {
            long n = 0;
            for (int v : labels.reshape(labels.length()).toIntVector()) if (v != Seq2SeqLoss.IGNORE) n++;
            if (n == 0) throw new IllegalArgumentException("a training batch has no labelled target token");
            return n;
        }

        public List<String> evalSplits() {
            List<String> s = new ArrayList<>(data.all().keySet());
            s.remove("train");
            return s;
        }

        public String selectBy() {
            return generator == null ? "loss" : data.metric().selectBy();
        }

        public boolean higherIsBetter() {
            return generator != null && data.metric().higherIsBetter();
        }

        /**
         * Per split the SHA-256 of its pairs (id, source, target per line: splits cut from one file, as debsum's and
         * l10n-en-ro's are, differ), and under {@code split/file} (or {@code split/file/NAME} for several files) the
         * SHA-256 of each file it was read from.
         */
        public Map<String, String> dataHashes() {
            Map<String, String> m = new LinkedHashMap<>();
            data.all().forEach((name, ds) -> {
                m.put(name, pairsHash(ds));
                for (Provenance p : ds.provenance()) m.put(ds.provenance().size() == 1 ? name + "/file" : name + "/file/" + p.source().getFileName(), p.sha256());
            });
            return m;
        }

        static String pairsHash(Seq2SeqDataset ds) {
            try {
                java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
                for (org.petl.tasks.data.Seq2SeqExample e : ds.examples()) {
                    md.update((e.id() + "\t" + e.source() + "\t" + e.target() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                return java.util.HexFormat.of().formatHex(md.digest());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        public Map<String, Double> evaluate(String split, Path out, double labelSmoothing) {
            Seq2SeqDataset ds = data.all().get(split);
            if (ds == null) throw new IllegalArgumentException("no split " + split + " in " + data.task());
            Map<String, Double> m = new LinkedHashMap<>();
            List<String> predictions = null;
            if (generator != null) {
                predictions = generator.generate(ds.examples().stream().map(Seq2SeqExample::source).toList());
                if (predictions.size() != ds.size()) throw new IllegalStateException("generator returned " + predictions.size() + " outputs for " + ds.size() + " sources");
                m.putAll(data.metric().score(predictions, ds.examples().stream().map(Seq2SeqExample::target).toList()));
            }
            m.putAll(teacherForced(ds, labelSmoothing));
            if (out != null) write(out, split, ds, predictions, m);
            return m;
        }

        /**
         * Under teacher forcing: {@code loss}, the mean token loss with the training's label smoothing (what fairseq
         * and HF's Seq2SeqTrainer report as the dev loss); with smoothing also {@code nll_loss}, the unsmoothed one;
         * and the token accuracy of argmax.
         */
        Map<String, Double> teacherForced(Seq2SeqDataset ds, double labelSmoothing) {
            Integer[] order = new Integer[ds.size()];
            int[] cost = new int[ds.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
                int[] t = batcher.tokens(ds.get(i));
                cost[i] = Math.max(t[0], t[1]);
            }
            Arrays.sort(order, (a, b) -> Integer.compare(cost[a], cost[b]));
            String nllName = lossVariable(0), lossName = lossVariable(labelSmoothing);
            double lossSum = 0, nllSum = 0;
            long tokens = 0, correct = 0;
            for (int from = 0; from < order.length; from += evalBatch) {
                List<Seq2SeqExample> ex = new ArrayList<>();
                for (int i = from; i < Math.min(order.length, from + evalBatch); i++) ex.add(ds.get(order[i]));
                Map<String, INDArray> ph = batcher.encode(ex, 1f);
                Map<String, INDArray> o = lossName.equals(nllName) ? sameDiff.output(ph, lossName, logits) : sameDiff.output(ph, lossName, nllName, logits);
                int[] labels = ph.get("labels").reshape(ph.get("labels").length()).toIntVector();
                long n = 0;
                for (int v : labels) if (v != Seq2SeqLoss.IGNORE) n++;
                lossSum += o.get(lossName).getDouble(0) * n;
                nllSum += o.get(nllName).getDouble(0) * n;
                tokens += n;
                INDArray arg = o.get(logits).reshape(labels.length, vocab).argMax(1);
                int[] best = arg.toIntVector();
                for (int i = 0; i < labels.length; i++) if (labels[i] != Seq2SeqLoss.IGNORE && best[i] == labels[i]) correct++;
                arg.close();
                NativeMemory.close(ph.values());
                NativeMemory.close(o.values());
            }
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", lossSum / Math.max(1, tokens));
            if (labelSmoothing > 0) m.put("nll_loss", nllSum / Math.max(1, tokens));
            m.put("token_accuracy", 100.0 * correct / Math.max(1, tokens));
            return m;
        }

        /** The loss variable for a smoothing, attached on first use without changing what the graph trains on. */
        private String lossVariable(double labelSmoothing) {
            String name = Seq2SeqLoss.name(labelSmoothing);
            if (!sameDiff.hasVariable(name)) {
                List<String> lossVars = new ArrayList<>(sameDiff.getLossVariables());
                Seq2SeqLoss.attach(sameDiff, logits, "labels", vocab, labelSmoothing);
                if (!lossVars.isEmpty()) sameDiff.setLossVariables(lossVars.toArray(new String[0]));
            }
            return name;
        }

        private static void write(Path dir, String split, Seq2SeqDataset ds, List<String> predictions, Map<String, Double> metrics) {
            try {
                Files.createDirectories(dir);
                if (predictions != null) {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < ds.size(); i++) {
                        Map<String, String> row = new LinkedHashMap<>();
                        row.put("id", ds.get(i).id());
                        row.put("prediction", predictions.get(i));
                        row.put("reference", ds.get(i).target());
                        sb.append(JSON.writeValueAsString(row)).append('\n');
                    }
                    AtomicFiles.writeString(dir.resolve(split + ".predictions.jsonl"), sb.toString());
                }
                AtomicFiles.writeString(dir.resolve(split + ".metrics.json"), JSON.writeValueAsString(metrics) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write predictions to " + dir + ": " + e.getMessage(), e);
            }
        }
    }
}
