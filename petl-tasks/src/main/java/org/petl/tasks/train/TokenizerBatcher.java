package org.petl.tasks.train;

import org.petl.models.graph.EncoderBatch;
import org.petl.models.tokenize.TextTokenizer;
import org.petl.tasks.data.Example;

import java.util.ArrayList;
import java.util.List;

/** Tokenizes examples (single sentences or pairs) into padded encoder batches, truncated to {@code maxLength}. */
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
