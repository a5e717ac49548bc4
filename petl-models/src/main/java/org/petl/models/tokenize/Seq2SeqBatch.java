package org.petl.models.tokenize;

/**
 * A tokenized source/target batch for an encoder-decoder, each array [batch][length], padded with the pad id:
 * encoder input and mask; decoder input (the labels shifted right behind the decoder start token) and its mask;
 * labels (what each decoder position must predict; padded positions are 0 in {@code decoderAttentionMask}).
 * Without targets the decoder arrays hold only the start token (what generation starts from) and labels is empty.
 */
public record Seq2SeqBatch(long[][] inputIds, long[][] attentionMask, long[][] decoderInputIds, long[][] decoderAttentionMask,
                           long[][] labels) {

    public int batchSize() {
        return inputIds.length;
    }
}
