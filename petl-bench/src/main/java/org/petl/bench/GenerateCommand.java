package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.models.assembly.DecoderStep;
import org.petl.models.generate.CachedSteps;
import org.petl.models.generate.Generation;
import org.petl.models.generate.GenerationConfig;
import org.petl.models.generate.Generator;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.tasks.seq2seq.TokenizerSeq2SeqBatcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code petl generate}: cached greedy or beam-search decoding of every line of a file. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Decode every line of --input with an encoder-decoder (cached greedy or beam search, Hugging Face generate semantics); "
                + "one output per line, or JSON lines with --jsonl.")
public final class GenerateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Option(names = "--run", paramLabel = "DIR", description = "a seq2seq run folder of petl train: its model, RUN/adapter, and its decoding and "
            + "length settings (--num-beams, --max-length, --min-length, --no-repeat-ngram, --max-source, --src-lang, --tgt-lang) unless given here")
    Path run;

    @Option(names = "--model", description = "an encoder-decoder: minilm-l6:seq2seq, or a Hugging Face BART/mBART folder")
    String model;

    @Option(names = "--weights", paramLabel = "DIR", description = "a Hugging Face BART/mBART folder (same as --model DIR)")
    Path weights;

    @Option(names = "--adapter", paramLabel = "DIR", description = "an adapter folder to apply: petl's (RUN/adapter), or a LoRA / prefix-tuning folder PEFT wrote "
            + "(task_type SEQ_2_SEQ_LM, read by PEFT's rules)")
    Path adapter;

    @Option(names = "--method", description = "a method spec applied untrained (its fresh initial values), e.g. to time a method's decoding")
    String method;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "UTF-8 text, one source per line")
    Path input;

    @Option(names = "--num-beams", defaultValue = "4", description = "beams, 1 = greedy (default ${DEFAULT-VALUE})")
    int numBeams;

    @Option(names = "--max-length", defaultValue = "32", description = "decoder length incl. the start token (default ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--min-length", defaultValue = "0", description = "EOS is masked below this length (default ${DEFAULT-VALUE})")
    int minLength;

    @Option(names = "--length-penalty", defaultValue = "1.0", description = "score = log-prob / length^p (default ${DEFAULT-VALUE})")
    double lengthPenalty;

    @Option(names = "--no-repeat-ngram", defaultValue = "0", description = "no n-gram of this size repeats, 0 = off (default ${DEFAULT-VALUE})")
    int noRepeatNgram;

    @Option(names = "--early-stopping", description = "a source is done once num-beams hypotheses are finished")
    boolean earlyStopping;

    @Option(names = "--num-return-sequences", defaultValue = "1", description = "outputs per source, at most --num-beams (default ${DEFAULT-VALUE})")
    int numReturn;

    @Option(names = "--max-source", defaultValue = "128", description = "truncate sources to this many tokens (default ${DEFAULT-VALUE})")
    int maxSource;

    @Option(names = "--batch", defaultValue = "8", description = "sources per decoding batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--src-lang", description = "mBART: source language code (e.g. en_XX)")
    String srcLang;

    @Option(names = "--tgt-lang", description = "mBART: target language code (e.g. ro_RO)")
    String tgtLang;

    @Option(names = "--jsonl", description = "one JSON object per line: source, outputs, token_ids, scores")
    boolean jsonl;

    @Option(names = "--out", paramLabel = "FILE", description = "write here instead of stdout")
    Path out;

    /** The model, its tokenizer and a cached step model with the method/adapter applied. */
    record Loaded(PretrainedSeq2Seq pretrained, Seq2SeqTokenizer tokenizer, CachedSteps steps, String method) {
    }

    static Loaded load(String modelName, Path adapterDir, String methodSpec, String srcLang, String tgtLang) {
        PretrainedSeq2Seq p = ModelStore.resolveSeq2Seq(modelName);
        Seq2SeqTokenizer tok = p.tokenizer(srcLang, tgtLang);
        DecoderStep step = DecoderStep.build(p.description(), p.weights());
        String spec = "none";
        if (adapterDir != null) {
            AdapterFiles.Loaded a = AdapterFiles.load(adapterDir, step.graph());
            Rewriter.apply(step.graph(), a.method(), 0, a.added());
            AdapterFiles.assignBase(step.graph(), a.base(), adapterDir);
            spec = a.method().spec();
        } else if (methodSpec != null) {
            PetlMethod m = Methods.parse(methodSpec);
            Rewriter.apply(step.graph(), m, 42);
            spec = m.spec();
        }
        return new Loaded(p, tok, new CachedSteps(step), spec);
    }

    /** The run's decoding settings (as its evaluations decoded) for every option not given on the command line. */
    private void fromRun(JsonNode r) {
        var given = spec.commandLine().getParseResult();
        Seq2SeqOptions s = Seq2SeqOptions.fromJson(r);
        if (!given.hasMatchedOption("--num-beams")) numBeams = s.numBeams;
        if (!given.hasMatchedOption("--max-length")) maxLength = s.genMaxLength > 0 ? s.genMaxLength : s.maxTarget;
        if (!given.hasMatchedOption("--min-length")) minLength = s.minLength;
        if (!given.hasMatchedOption("--no-repeat-ngram")) noRepeatNgram = s.noRepeatNgram;
        if (!given.hasMatchedOption("--early-stopping")) earlyStopping = numBeams > 1;   // as Seq2SeqSetup decodes at evaluation
        if (!given.hasMatchedOption("--max-source")) maxSource = s.maxSource;
        if (srcLang == null) srcLang = s.srcLang;
        if (tgtLang == null) tgtLang = s.tgtLang;
    }

    @Override
    public Integer call() throws Exception {
        String name = model;
        Path adapterDir = adapter;
        if (run != null) {
            Path rj = run.resolve("run.json");
            if (!Files.isRegularFile(rj)) throw new IllegalArgumentException("--run " + run + ": no run.json (not a petl train folder)");
            JsonNode r = JSON.readTree(rj.toFile());
            if (!org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(r.path("task").asText(""))) {
                throw new IllegalArgumentException("--run " + run + ": a " + r.path("task").asText("(no task)") + " run, not a seq2seq one; petl predict --run labels its texts");
            }
            // train names the classification default (minilm-l6) for its warm-started encoder-decoder too
            if (name == null && r.path("model").isTextual()) name = org.petl.tasks.seq2seq.Seq2SeqSetup.seq2seqModel(r.path("model").asText());
            if (adapterDir == null) adapterDir = run.resolve("adapter");
            if (!Files.isDirectory(adapterDir)) throw new IllegalArgumentException("--run " + run + ": no adapter folder (" + adapterDir + ")");
            fromRun(r);
        }
        if (weights != null) name = weights.toString();
        if (name == null) throw new IllegalArgumentException("give --run DIR, --model NAME or --weights DIR");
        if (adapterDir != null && method != null) throw new IllegalArgumentException("--method and --adapter/--run exclude each other (the adapter names its method)");
        if (batch < 1) throw new IllegalArgumentException("--batch " + batch + ": must be at least 1");
        if (!Files.isRegularFile(input)) throw new IllegalArgumentException("--input " + input + ": no such file");
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(input, StandardCharsets.UTF_8)) if (!l.isBlank()) lines.add(l.strip());
        if (lines.isEmpty()) throw new IllegalArgumentException("--input " + input + ": no non-empty lines");

        Loaded m = load(name, adapterDir, method, srcLang, tgtLang);
        Seq2SeqTokenizer tok = m.tokenizer();
        int eos = Math.toIntExact(tok.eosTokenId());
        GenerationConfig cfg = new GenerationConfig(numBeams, maxLength, minLength, lengthPenalty, noRepeatNgram, earlyStopping,
                Math.toIntExact(tok.decoderStartTokenId()), -1, eos, eos, Math.toIntExact(tok.padTokenId()), numReturn);
        TokenizerSeq2SeqBatcher batcher = new TokenizerSeq2SeqBatcher(tok, m.pretrained().description(), maxSource, maxLength);
        PrintWriter w = out == null ? spec.commandLine().getOut()
                : new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8));
        boolean bar = out != null && System.console() != null && System.getenv("CI") == null && System.getenv("PETL_NO_PROGRESS") == null;
        try (ProgressBar pb = bar ? new ProgressBarBuilder().setTaskName("generate").setInitialMax(lines.size())
                .setStyle(ProgressBarStyle.ASCII).setUnit(" src", 1).build() : null) {
            for (int from = 0; from < lines.size(); from += batch) {
                List<String> chunk = lines.subList(from, Math.min(lines.size(), from + batch));
                int[][][] src = batcher.sources(chunk);
                Generation g = Generator.generate(m.steps(), src[0], src[1], cfg);
                for (int i = 0; i < chunk.size(); i++) {
                    List<String> outs = new ArrayList<>();
                    List<int[]> tokenIds = new ArrayList<>();
                    for (int k = 0; k < numReturn; k++) {
                        int[] ids = g.generated(i * numReturn + k, eos);
                        tokenIds.add(ids);
                        outs.add(tok.decode(Arrays.stream(ids).asLongStream().toArray()).strip());
                    }
                    if (jsonl) {
                        var o = JSON.createObjectNode().put("source", chunk.get(i));
                        var arr = o.putArray("outputs");
                        outs.forEach(arr::add);
                        // the generated ids after the start token, up to EOS, special tokens included (the text
                        // leaves those out)
                        var idArr = o.putArray("token_ids");
                        for (int[] ids : tokenIds) {
                            var one = idArr.addArray();
                            for (int id : ids) one.add(id);
                        }
                        if (g.sequenceScores() != null) {
                            var sc = o.putArray("scores");
                            for (int k = 0; k < numReturn; k++) sc.add(g.sequenceScores()[i * numReturn + k]);
                        }
                        w.println(JSON.writeValueAsString(o));
                    } else {
                        outs.forEach(w::println);
                    }
                }
                if (pb != null) pb.stepBy(chunk.size());
            }
        } finally {
            w.flush();
            if (out != null) w.close();
        }
        return 0;
    }
}
