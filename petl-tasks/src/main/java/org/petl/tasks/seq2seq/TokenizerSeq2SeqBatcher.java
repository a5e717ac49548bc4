package org.petl.tasks.seq2seq;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.arch.ModelDescription;
import org.petl.models.assembly.Seq2SeqBatch;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.tasks.data.Seq2SeqExample;
import org.petl.tasks.train.Seq2SeqBatcher;
import org.petl.tasks.train.Seq2SeqLoss;

/**
 * The model's {@link Seq2SeqTokenizer} as a trainer batcher: sources truncated to {@code maxSource} tokens, labels
 * (target + the scheme's end tokens) to {@code maxTarget}, decoder input = labels shifted right behind the start
 * token; padded label positions become {@link Seq2SeqLoss#IGNORE}. Token counts are cached per example (the
 * token-budget sampler asks for every training pair once per run).
 */
public final class TokenizerSeq2SeqBatcher implements Seq2SeqBatcher {

    private final Seq2SeqTokenizer tokenizer;
    private final ModelDescription description;
    private final int maxSource, maxTarget;
    private final Map<Seq2SeqExample, int[]> counts = new IdentityHashMap<>();

    public TokenizerSeq2SeqBatcher(Seq2SeqTokenizer tokenizer, ModelDescription description, int maxSource, int maxTarget) {
        if (maxSource < 4 || maxTarget < 2) throw new IllegalArgumentException("max source length must be >= 4 and max target length >= 2");
        this.tokenizer = tokenizer;
        this.description = description;
        this.maxSource = maxSource;
        this.maxTarget = maxTarget;
    }

    public Seq2SeqTokenizer tokenizer() {
        return tokenizer;
    }

    public ModelDescription description() {
        return description;
    }

    public int maxSource() {
        return maxSource;
    }

    public int maxTarget() {
        return maxTarget;
    }

    @Override
    public Map<String, INDArray> encode(List<Seq2SeqExample> examples, float keepProbability) {
        return batch(examples).placeholders(description, keepProbability);
    }

    /** The padded batch with IGNORE labels at padding. */
    public Seq2SeqBatch batch(List<Seq2SeqExample> examples) {
        List<String> src = new ArrayList<>(examples.size()), tgt = new ArrayList<>(examples.size());
        for (Seq2SeqExample e : examples) {
            src.add(e.source());
            tgt.add(e.target());
        }
        return tokenizer.encode(src, tgt, maxSource, maxTarget);
    }

    /** Padded source ids and mask for generation. */
    public int[][][] sources(List<String> sources) {
        Seq2SeqBatch b = tokenizer.encode(sources, null, maxSource, maxTarget);
        return new int[][][]{b.inputIds(), b.attentionMask()};
    }

    @Override
    public synchronized int[] tokens(Seq2SeqExample e) {
        return counts.computeIfAbsent(e, x -> new int[]{tokenizer.source(x.source(), maxSource).length, tokenizer.labels(x.target(), maxTarget).length}).clone();
    }
}
