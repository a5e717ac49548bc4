package org.petl.tasks.seq2seq;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.petl.core.adapter.AdapterFiles;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.generate.GenerationConfig;
import org.petl.models.graph.ModelGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.tasks.data.Seq2SeqTaskData;
import org.petl.tasks.data.Seq2SeqTasks;
import org.petl.tasks.train.Objective;

/**
 * A seq2seq run assembled in the order that fails fastest: method spec, data (subsampled to the given sizes: the
 * first n of each split, whose order is fixed), model, graph, rewrite.
 *
 * @param model      an encoder-decoder name ({@code minilm-l6:seq2seq}) or a Hugging Face BART/mBART folder
 * @param maxTokens  token budget per training batch (0: fixed batches of the train config's batch size)
 * @param numBeams   decoding at evaluation (1 = greedy)
 * @param genMaxLength decoder length at evaluation, start token included
 * @param srcLang    mBART's source language code (en_XX), ignored by BART/BERT
 * @param dropout    hidden dropout (embeddings and sub-layer outputs)
 * @param attentionDropout dropout on attention probabilities (the paper's en-ro script: 0 beside dropout 0.1)
 */
public record Seq2SeqSetup(String model, String task, Path data, String methodSpec, int maxSource, int maxTarget, double dropout, long seed,
                           int trainSize, int devSize, int testSize, int maxTokens, int numBeams, int genMaxLength, int minLength, int noRepeatNgram,
                           String srcLang, String tgtLang, double attentionDropout) {

    /** Attention dropout equal to {@code dropout}. */
    public Seq2SeqSetup(String model, String task, Path data, String methodSpec, int maxSource, int maxTarget, double dropout, long seed,
                        int trainSize, int devSize, int testSize, int maxTokens, int numBeams, int genMaxLength, int minLength, int noRepeatNgram,
                        String srcLang, String tgtLang) {
        this(model, task, data, methodSpec, maxSource, maxTarget, dropout, seed, trainSize, devSize, testSize, maxTokens, numBeams, genMaxLength,
                minLength, noRepeatNgram, srcLang, tgtLang, dropout);
    }

    public Seq2SeqSetup {
        if (maxSource < 4) throw new IllegalArgumentException("--max-source " + maxSource + ": must be at least 4 tokens");
        if (maxTarget < 2) throw new IllegalArgumentException("--max-target " + maxTarget + ": must be at least 2 tokens");
        if (trainSize < 0 || devSize < 0 || testSize < 0) throw new IllegalArgumentException("--train-size/--dev-size/--test-size must be >= 0 (0: the whole split)");
        if (numBeams < 1) throw new IllegalArgumentException("--num-beams " + numBeams + ": must be at least 1");
        if (genMaxLength < 2) throw new IllegalArgumentException("--gen-max-length " + genMaxLength + ": must be at least 2");
        if (minLength < 0 || minLength >= genMaxLength) throw new IllegalArgumentException("--min-length " + minLength + ": must be in 0.." + (genMaxLength - 1) + " (below --gen-max-length)");
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens " + maxTokens + ": must be >= 0 (0: fixed batches)");
    }

    /** {@code minilm-l6} (the classification default) means its warm-started encoder-decoder for a seq2seq task. */
    public static String seq2seqModel(String model) {
        return model.equals("minilm-l6") ? "minilm-l6:seq2seq" : model;
    }

    public record Prepared(PretrainedSeq2Seq model, Seq2SeqLm lm, AppliedMethod applied, Seq2SeqTaskData data, TokenizerSeq2SeqBatcher batcher,
                           PetlMethod method, GenerationConfig generation) {

        /** The trainer's objective: token-budget batches, generation + the task metric at every evaluation. */
        public Objective.Seq2SeqLm objective(int maxTokens, int evalBatch) {
            // key/value-cached decoding on a decoder-step graph that copies the trained values at each start
            // (token for token the uncached UncachedSteps, which re-runs the whole decoder every step)
            GenerationEvaluator gen = new GenerationEvaluator(
                    org.petl.models.generate.CachedSteps.following(applied, model.description(), model.weights()), batcher, generation, evalBatch);
            Map<String, Object> describe = new LinkedHashMap<>();
            describe.put("model", model.name());
            describe.put("description", lm.graph().description().toString());
            describe.put("options", lm.graph().options().toString());
            describe.put("generation", generation.toString());
            describe.put("data_notes", data.notes());
            describe.put("data_sizes", data.sizes());
            return new Objective.Seq2SeqLm(lm.graph().sameDiff(), Seq2SeqLm.LOGITS, lm.graph().description().vocab(), data, batcher,
                    lm.graph().keepProbability(true), maxTokens, evalBatch, gen, describe);
        }
    }

    public Prepared prepare() {
        return prepare(null);
    }

    /** @param adapterDir a saved adapter to load instead of initialising the method (petl eval); null to start fresh */
    public Prepared prepare(Path adapterDir) {
        PetlMethod method = Methods.parse(methodSpec);
        Seq2SeqTaskData taskData = Seq2SeqTasks.load(task, data).subsample(trainSize, devSize, testSize);
        PretrainedSeq2Seq pretrained = ModelStore.resolveSeq2Seq(seq2seqModel(model));
        Seq2SeqTokenizer tok = pretrained.tokenizer(srcLang, tgtLang);
        Seq2SeqLm lm = Seq2SeqLm.build(pretrained.description(), pretrained.weights(), new ModelGraph.Options(dropout, attentionDropout, method.fullFineTuning()));
        AppliedMethod applied;
        if (adapterDir == null) {
            applied = Rewriter.apply(lm.graph(), method, seed);
        } else {
            AdapterFiles.Loaded loaded = AdapterFiles.load(adapterDir, lm.graph());
            method = loaded.method();
            applied = Rewriter.apply(lm.graph(), method, seed, loaded.added());
            AdapterFiles.assignBase(lm.graph(), loaded.base(), adapterDir);
        }
        TokenizerSeq2SeqBatcher batcher = new TokenizerSeq2SeqBatcher(tok, pretrained.description(), maxSource, maxTarget);
        GenerationConfig gen = new GenerationConfig(numBeams, genMaxLength, minLength, 1.0, noRepeatNgram, numBeams > 1, Math.toIntExact(tok.decoderStartTokenId()),
                -1, Math.toIntExact(tok.eosTokenId()), Math.toIntExact(tok.eosTokenId()), Math.toIntExact(tok.padTokenId()), 1);
        return new Prepared(pretrained, lm, applied, taskData, batcher, method, gen);
    }
}
