package org.petl.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.tasks.seq2seq.Seq2SeqSetup;
import picocli.CommandLine.Option;

/** The seq2seq part of train/compare (debsum, l10n-en-ro, xsum, wmt16-en-ro); ignored by classification tasks. */
public final class Seq2SeqOptions {

    @Option(names = "--max-source", defaultValue = "128", description = "seq2seq: truncate sources to this many tokens (default ${DEFAULT-VALUE})")
    int maxSource;

    @Option(names = "--max-target", defaultValue = "32", description = "seq2seq: truncate targets (labels) to this many tokens (default ${DEFAULT-VALUE})")
    int maxTarget;

    @Option(names = "--max-tokens", defaultValue = "0",
            description = "seq2seq: token budget per batch, rows × longest (the paper: 4096 for en-ro); 0: --batch pairs per batch (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--num-beams", defaultValue = "1", description = "seq2seq: beams when generating at evaluation, 1 = greedy (default ${DEFAULT-VALUE})")
    int numBeams;

    @Option(names = "--gen-max-length", defaultValue = "0", description = "seq2seq: generated length incl. the start token; 0: --max-target (default ${DEFAULT-VALUE})")
    int genMaxLength;

    @Option(names = "--min-length", defaultValue = "0", description = "seq2seq: EOS is blocked while an output (start token included) is shorter (default ${DEFAULT-VALUE})")
    int minLength;

    @Option(names = "--no-repeat-ngram", defaultValue = "0", description = "seq2seq: no n-gram of this size repeats in an output, 0 = off (default ${DEFAULT-VALUE})")
    int noRepeatNgram;

    @Option(names = "--train-size", defaultValue = "0", description = "seq2seq: use the first N training pairs (the split order is fixed); 0 = all (default ${DEFAULT-VALUE})")
    int trainSize;

    @Option(names = "--dev-size", defaultValue = "0", description = "seq2seq: use the first N dev pairs (the paper's en-ro script: 1600); 0 = all (default ${DEFAULT-VALUE})")
    int devSize;

    @Option(names = "--test-size", defaultValue = "0", description = "seq2seq: use the first N test pairs; 0 = all (default ${DEFAULT-VALUE})")
    int testSize;

    @Option(names = "--eval-batch", defaultValue = "16", description = "seq2seq: sources per generation/scoring batch (default ${DEFAULT-VALUE})")
    int evalBatch;

    @Option(names = "--src-lang", description = "mBART: source language code (e.g. en_XX)")
    String srcLang;

    @Option(names = "--tgt-lang", description = "mBART: target language code (e.g. ro_RO)")
    String tgtLang;

    Seq2SeqSetup setup(RunOptions run) {
        run.validate();
        if (evalBatch < 1) throw new IllegalArgumentException("--eval-batch " + evalBatch + ": must be at least 1");
        String model = run.weights != null ? run.weights.toString() : run.model;
        return new Seq2SeqSetup(model, run.task, run.data, run.method, maxSource, maxTarget, run.dropout, run.seed, trainSize, devSize, testSize,
                maxTokens, numBeams, genMaxLength > 0 ? genMaxLength : maxTarget, minLength, noRepeatNgram, srcLang, tgtLang, run.attentionDropout());
    }

    void toJson(ObjectNode o) {
        o.put("kind", "seq2seq");
        o.put("max_source", maxSource);
        o.put("max_target", maxTarget);
        o.put("max_tokens", maxTokens);
        o.put("num_beams", numBeams);
        o.put("gen_max_length", genMaxLength);
        o.put("min_length", minLength);
        o.put("no_repeat_ngram", noRepeatNgram);
        o.put("train_size", trainSize);
        o.put("dev_size", devSize);
        o.put("test_size", testSize);
        o.put("eval_batch", evalBatch);
        o.put("src_lang", srcLang);
        o.put("tgt_lang", tgtLang);
    }

    static Seq2SeqOptions fromJson(com.fasterxml.jackson.databind.JsonNode r) {
        Seq2SeqOptions s = new Seq2SeqOptions();
        s.maxSource = r.path("max_source").asInt(128);
        s.maxTarget = r.path("max_target").asInt(32);
        s.maxTokens = r.path("max_tokens").asInt(0);
        s.numBeams = r.path("num_beams").asInt(1);
        s.genMaxLength = r.path("gen_max_length").asInt(0);
        s.minLength = r.path("min_length").asInt(0);
        s.noRepeatNgram = r.path("no_repeat_ngram").asInt(0);
        s.trainSize = r.path("train_size").asInt(0);
        s.devSize = r.path("dev_size").asInt(0);
        s.testSize = r.path("test_size").asInt(0);
        s.evalBatch = r.path("eval_batch").asInt(16);
        s.srcLang = r.path("src_lang").isTextual() ? r.path("src_lang").asText() : null;
        s.tgtLang = r.path("tgt_lang").isTextual() ? r.path("tgt_lang").asText() : null;
        return s;
    }

    Seq2SeqOptions copy() {
        Seq2SeqOptions s = new Seq2SeqOptions();
        s.maxSource = maxSource;
        s.maxTarget = maxTarget;
        s.maxTokens = maxTokens;
        s.numBeams = numBeams;
        s.genMaxLength = genMaxLength;
        s.minLength = minLength;
        s.noRepeatNgram = noRepeatNgram;
        s.trainSize = trainSize;
        s.devSize = devSize;
        s.testSize = testSize;
        s.evalBatch = evalBatch;
        s.srcLang = srcLang;
        s.tgtLang = tgtLang;
        return s;
    }
}
