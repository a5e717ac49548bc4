package org.petl.tasks.train;

import org.petl.models.graph.EncoderBatch;
import org.petl.models.tokenize.TextTokenizer;
import org.petl.tasks.data.Example;

import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizes examples (single sentences or pairs) into encoder batches padded to their longest row, truncated to
 * {@code maxLength}. (Padding to fixed buckets to help SameDiff reuse buffers cost more than it saved: 20 → 32
 * tokens doubled the MiniLM step.)
 */
public record TokenizerBatcher(TextTokenizer tokenizer, int maxLength) implements Batcher {

    public TokenizerBatcher {
        if (maxLength < 4) throw new IllegalArgumentException("max length must be at least 4 tokens, got " + maxLength);
    }

    @Override
    public EncoderBatch encode(List<Example> examples) {
        List<String> first = new ArrayList<>(examples.size());
        List<String> second = new ArrayList<>(examples.size());
        boolean pairs = !examples.isEmpty() && examples.get(0).hasPair();
        for (Example e : examples) {
            first.add(e.text());
            if (pairs) second.add(e.textPair());
        }
        return EncoderBatch.of(pairs ? tokenizer.encodePairs(first, second, maxLength) : tokenizer.encode(first, maxLength));
    }
}
