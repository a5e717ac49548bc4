package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.io.AtomicFiles;
import org.petl.models.graph.EncoderBatch;
import org.petl.tasks.RunSetup;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Label texts with a trained model: one JSON line per input line (label, label id, probabilities; for a seq2seq run, the generated text).")
public final class PredictCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--run", required = true, description = "a run folder written by petl train")
        Path run;

        @Option(names = "--adapter", required = true, description = "an adapter folder (petl's, or a LoRA / prefix-tuning folder PEFT wrote); an encoder-decoder's "
                + "(SEQ_2_SEQ_LM) generates text as petl generate --adapter does")
        Path adapter;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    @Option(names = "--model", description = "with --adapter: the base model (a short name or an HF folder; default: the one the adapter names)")
    String model;

    @Option(names = "--weights", description = "a local Hugging Face folder as the base model (with --adapter), or alone: a "
            + "*ForSequenceClassification folder such as petl merge writes")
    Path weights;

    @Option(names = "--labels", split = ",", description = "with --adapter: label names in id order (default LABEL_0, LABEL_1, ...)")
    List<String> labels = new ArrayList<>();

    @Option(names = "--input", required = true, description = "UTF-8 text file, one input per line (blank lines are skipped)")
    Path input;

    @Option(names = "--out", description = "write the JSON lines here instead of standard output")
    Path out;

    @Option(names = "--max-len", defaultValue = "128", description = "with --adapter: truncate inputs to this many tokens (default ${DEFAULT-VALUE})")
    int maxLen;

    @Option(names = "--batch", defaultValue = "32", description = "inputs per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch " + batch + ": must be at least 1");
        if (!Files.isRegularFile(input)) throw new IllegalArgumentException("--input " + input + ": no such file");
        List<String> texts = Files.readAllLines(input, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        if (source != null && source.run != null && seq2seqRun(source.run)) {
            // a seq2seq run predicts text: the run's model and adapter through the generator (petl generate --run)
            List<String> args = new ArrayList<>(List.of("--run", source.run.toString(), "--input", input.toString(), "--jsonl",
                    "--batch", String.valueOf(batch)));
            if (out != null) args.addAll(List.of("--out", out.toString()));
            return generate(args);
        }
        if (source != null && source.adapter != null) {
            String base = weights != null ? weights.toString() : model;
            if (seq2seqAdapter(source.adapter, base)) {
                // an encoder-decoder's adapter (petl's or PEFT's SEQ_2_SEQ_LM folder) predicts text, as petl generate does
                if (base == null) base = namedBase(source.adapter);
                if (base == null) throw new IllegalArgumentException("--adapter " + source.adapter + ": the adapter does not name its model; give --model or --weights");
                List<String> args = new ArrayList<>(List.of("--adapter", source.adapter.toString(), "--model", base, "--input", input.toString(),
                        "--jsonl", "--batch", String.valueOf(batch), "--max-source", String.valueOf(maxLen)));
                if (out != null) args.addAll(List.of("--out", out.toString()));
                return generate(args);
            }
        }
        RunFolderModel m;
        if (source == null) {
            if (weights == null) throw new IllegalArgumentException("give --run DIR, --adapter DIR or --weights HF_FOLDER");
            m = RunFolderModel.fromClassifierFolder(weights, maxLen);
        } else if (source.run != null) {
            m = RunFolderModel.fromRun(source.run);
        } else {
            m = RunFolderModel.fromAdapter(source.adapter, weights != null ? weights.toString() : model, labels, maxLen);
        }
        List<String> lines = predict(m, texts, batch);
        String text = lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
        if (out != null) AtomicFiles.writeString(out, text);
        else System.out.print(text);
        return 0;
    }

    private static int generate(List<String> args) {
        return new picocli.CommandLine(new GenerateCommand()).setExecutionExceptionHandler((ex, cmd, parsed) -> {
            throw ex;
        }).execute(args.toArray(String[]::new)) == 0 ? 0 : failGenerate();
    }

    /**
     * Whether an adapter folder belongs to an encoder-decoder: its PEFT or petl config says SEQ_2_SEQ_LM, its base
     * is a warm-started encoder-decoder, or the base given is one.
     */
    static boolean seq2seqAdapter(Path adapter, String base) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path peft = adapter.resolve(org.petl.core.adapter.AdapterFiles.CONFIG), petl = adapter.resolve(org.petl.core.adapter.AdapterFiles.PETL_CONFIG);
        if (Files.isRegularFile(peft) && json.readTree(peft.toFile()).path("task_type").asText("").equals("SEQ_2_SEQ_LM")) return true;
        if (Files.isRegularFile(petl)) {
            var c = json.readTree(petl.toFile());
            if (c.path("transformers").path("task_type").asText("").equals("SEQ_2_SEQ_LM")) return true;
            if (base == null) base = c.path("base_model_name_or_path").asText(null);
        }
        if (base == null) return false;
        if (base.endsWith(org.petl.models.weights.WarmStart.SUFFIX)) return true;
        Path dir = Path.of(base);
        return Files.isRegularFile(dir.resolve("config.json"))
                && org.petl.models.weights.HfSeq2SeqConfig.kind(dir) == org.petl.models.weights.HfSeq2SeqConfig.Kind.ENCODER_DECODER;
    }

    /** The base model an adapter folder names (petl's config first, then PEFT's), or null. */
    private static String namedBase(Path adapter) throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String f : List.of(org.petl.core.adapter.AdapterFiles.PETL_CONFIG, org.petl.core.adapter.AdapterFiles.CONFIG)) {
            Path p = adapter.resolve(f);
            if (Files.isRegularFile(p)) {
                String n = json.readTree(p.toFile()).path("base_model_name_or_path").asText("");
                if (!n.isBlank()) return n;
            }
        }
        return null;
    }

    private static int failGenerate() {
        throw new IllegalArgumentException("generation failed (see the line above)");
    }

    /** Whether {@code run}'s run.json names a seq2seq task (debsum, l10n-en-ro, xsum, wmt16-en-ro). */
    static boolean seq2seqRun(Path run) throws IOException {
        Path rj = run.resolve("run.json");
        if (!Files.isRegularFile(rj)) return false;
        return org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(new ObjectMapper().readTree(rj.toFile()).path("task").asText(""));
    }

    /** One JSON object per text: text, label, label_id, probabilities by label name. */
    static List<String> predict(RunFolderModel m, List<String> texts, int batch) throws IOException {
        RunSetup.Built b = m.built();
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += batch) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + batch));
            EncoderBatch eb = EncoderBatch.of(b.model().tokenizer().encode(chunk, b.batcher().maxLength()));
            INDArray logits = b.graph().sameDiff().output(new HashMap<>(eb.placeholders(b.graph().config(), 1f)), "logits").get("logits");
            for (int i = 0; i < chunk.size(); i++) {
                double[] z = logits.getRow(i).toDoubleVector();
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (double v : z) max = Math.max(max, v);
                double[] p = new double[z.length];
                int best = 0;
                for (int k = 0; k < z.length; k++) {
                    p[k] = Math.exp(z[k] - max);
                    sum += p[k];
                    if (z[k] > z[best]) best = k;
                }
                ObjectNode o = json.createObjectNode();
                o.put("text", chunk.get(i));
                o.put("label", m.labels().get(best));
                o.put("label_id", best);
                ObjectNode probs = o.putObject("probabilities");
                for (int k = 0; k < z.length; k++) probs.put(m.labels().get(k), p[k] / sum);
                var lg = o.putArray("logits");
                for (double v : z) lg.add(v);
                lines.add(json.writeValueAsString(o));
            }
            System.gc();   // native op buffers go with their Java wrappers (see README, SameDiff notes)
        }
        return lines;
    }
}
