package org.petl.models.tokenize;

import java.util.List;

/** Turns texts (or text pairs) into model inputs; special tokens ([CLS]/[SEP], &lt;s&gt;/&lt;/s&gt;) are added. */
public interface TextTokenizer extends AutoCloseable {

    /** Encodes single texts, truncated to {@code maxLength} tokens (special tokens included), padded to the longest. */
    TokenBatch encode(List<String> texts, int maxLength);

    /** Encodes text pairs (second segment gets token type 1 where the model has one), truncating the longest first. */
    TokenBatch encodePairs(List<String> first, List<String> second, int maxLength);

    /** The word pieces of one text, special tokens included (for inspection and tests). */
    List<String> tokens(String text);

    int padTokenId();

    @Override
    void close();
}
