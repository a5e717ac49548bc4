package org.petl.models.tokenize;

/**
 * A tokenized batch, padded to its longest row: ids, attention mask (1 real token, 0 padding) and token type
 * ids, each [batch][length], ready to become int64 model inputs.
 */
public record TokenBatch(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds) {

    public int batchSize() {
        return inputIds.length;
    }

    public int length() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }
}
