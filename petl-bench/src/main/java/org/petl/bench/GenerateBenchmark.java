package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.models.assembly.DecoderStep;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.generate.CachedSteps;
import org.petl.models.generate.Generation;
import org.petl.models.generate.GenerationConfig;
import org.petl.models.generate.Generator;
import org.petl.models.generate.StepModel;
import org.petl.models.generate.UncachedSteps;
import org.petl.models.graph.ModelGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.tasks.seq2seq.TokenizerSeq2SeqBatcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code petl bench-generate}: tokens/s of cached against uncached decoding of the same sources, in one run. */
@Command(name = "bench-generate", mixinStandardHelpOptions = true,
        description = "Decode the same sources with the cached decoder-step graph and with the uncached teacher-forced graph "
                + "(whole decoder re-run every step); print generated tokens/s of each, their ratio, and whether the outputs are identical.")
public final class GenerateBenchmark implements Callable<Integer> {

    private static final List<String> DEFAULT_SOURCES = List.of(
            "the film is a charming and often moving portrait of a family in crisis .",
            "a tedious , overlong exercise in style over substance .",
            "the performances are uniformly excellent , and the script is sharp and funny .",
            "it never quite finds its footing , but the cast keeps it watchable .");

    @Spec CommandSpec spec;

    @Option(names = "--model", defaultValue = "minilm-l6:seq2seq", description = "encoder-decoder name or HF folder (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--input", paramLabel = "FILE", description = "sources, one per line (default: four built-in sentences)")
    Path input;

    @Option(names = "--num-beams", defaultValue = "4", description = "beams (default ${DEFAULT-VALUE})")
    int numBeams;

    @Option(names = "--max-length", defaultValue = "32", description = "decoder length incl. the start token (default ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--src-lang", description = "mBART: source language code (e.g. en_XX)") String srcLang;
    @Option(names = "--tgt-lang", description = "mBART: target language code (e.g. ro_RO)") String tgtLang;

    @Override
    public Integer call() throws Exception {
        List<String> sources = input == null ? DEFAULT_SOURCES : Files.readAllLines(input, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        if (sources.isEmpty()) throw new IllegalArgumentException("--input " + input + ": no non-empty lines");
        PretrainedSeq2Seq p = ModelStore.resolveSeq2Seq(model);
        Seq2SeqTokenizer tok = p.tokenizer(srcLang, tgtLang);
        int eos = Math.toIntExact(tok.eosTokenId());
        // min_length = max_length - 1 keeps every row decoding to the end: both runs do the same number of steps
        GenerationConfig cfg = new GenerationConfig(numBeams, maxLength, maxLength - 1, 1.0, 0, false,
                Math.toIntExact(tok.decoderStartTokenId()), -1, eos, eos, Math.toIntExact(tok.padTokenId()), 1);
        int[][][] src = new TokenizerSeq2SeqBatcher(tok, p.description(), 128, maxLength).sources(sources);
        DecoderStep step = DecoderStep.build(p.description(), p.weights());
        Seq2SeqLm lm = Seq2SeqLm.build(p.description(), p.weights(), ModelGraph.Options.inference());
        StepModel cached = new CachedSteps(step), uncached = new UncachedSteps(lm);
        Generator.generate(cached, src[0], src[1], cfg.withMaxLength(4)); // warm-up
        Generator.generate(uncached, src[0], src[1], cfg.withMaxLength(4));
        // alternate the two so that machine load hits both alike
        double[] secs = new double[2];
        Generation[] out = new Generation[2];
        for (int round = 0; round < 2; round++) {
            for (int k = 0; k < 2; k++) {
                long t0 = System.nanoTime();
                out[k] = Generator.generate(k == 0 ? cached : uncached, src[0], src[1], cfg);
                secs[k] += (System.nanoTime() - t0) / 1e9;
            }
        }
        long tokens = 0;
        for (int i = 0; i < sources.size(); i++) tokens += out[0].generated(i, eos).length + 1;
        tokens *= 2; // two rounds
        boolean same = Arrays.deepEquals(out[0].sequences(), out[1].sequences());
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model", p.name());
        o.put("sources", sources.size());
        o.put("num_beams", numBeams);
        o.put("max_length", maxLength);
        o.put("generated_tokens", tokens);
        o.put("cached_seconds", secs[0]);
        o.put("uncached_seconds", secs[1]);
        o.put("cached_tokens_per_second", tokens / secs[0]);
        o.put("uncached_tokens_per_second", tokens / secs[1]);
        o.put("speedup", secs[1] / secs[0]);
        o.put("identical_outputs", same);
        spec.commandLine().getOut().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
        spec.commandLine().getOut().println(String.format(Locale.ROOT, "cached %.1f tokens/s, uncached %.1f tokens/s: %.2fx; outputs identical: %s",
                tokens / secs[0], tokens / secs[1], secs[1] / secs[0], same));
        spec.commandLine().getOut().flush();
        return same ? 0 : 2;
    }
}
