package org.petl.models.graph;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.models.EncoderConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * One padded batch of token ids for an encoder: ids, token types and the 0/1 attention mask, all [B, T].
 * {@link #placeholders} turns it into the graph's inputs, computing position ids the way the family does.
 */
public record EncoderBatch(int[][] inputIds, int[][] tokenTypeIds, int[][] attentionMask) {

    public EncoderBatch {
        if (inputIds.length == 0) throw new IllegalArgumentException("empty batch");
        int t = inputIds[0].length;
        for (int b = 0; b < inputIds.length; b++) {
            if (inputIds[b].length != t || attentionMask[b].length != t || (tokenTypeIds != null && tokenTypeIds[b].length != t)) {
                throw new IllegalArgumentException("batch row " + b + " is not padded to length " + t);
            }
        }
    }

    /** From a tokenizer's output. */
    public static EncoderBatch of(org.petl.models.tokenize.TokenBatch t) {
        return new EncoderBatch(toInt(t.inputIds()), toInt(t.tokenTypeIds()), toInt(t.attentionMask()));
    }

    private static int[][] toInt(long[][] a) {
        if (a == null) return null;
        int[][] out = new int[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new int[a[i].length];
            for (int j = 0; j < a[i].length; j++) out[i][j] = Math.toIntExact(a[i][j]);
        }
        return out;
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int length() {
        return inputIds[0].length;
    }

    /** Number of real (unpadded) tokens. */
    public long tokens() {
        long n = 0;
        for (int[] row : attentionMask) for (int m : row) n += m;
        return n;
    }

    /**
     * Position ids: BERT 0..T-1; RoBERTa padIdx + running count of non-pad tokens, padIdx on padding
     * (derived from the ids, as Hugging Face does).
     */
    public int[][] positionIds(EncoderConfig cfg) {
        int[][] pos = new int[batchSize()][length()];
        for (int b = 0; b < batchSize(); b++) {
            int count = 0;
            for (int t = 0; t < length(); t++) {
                if (cfg.family() == EncoderConfig.Family.ROBERTA) {
                    boolean real = inputIds[b][t] != cfg.padTokenId();
                    if (real) count++;
                    pos[b][t] = real ? cfg.padTokenId() + count : cfg.padTokenId();
                } else {
                    pos[b][t] = t;
                }
            }
        }
        return pos;
    }

    /** The graph's inputs; every id is checked against the model's tables first ({@link TableBounds}). */
    public Map<String, INDArray> placeholders(EncoderConfig cfg, float keep) {
        int[][] types = tokenTypeIds != null ? tokenTypeIds : new int[batchSize()][length()];
        int[][] positions = positionIds(cfg);
        TableBounds.check(cfg, inputIds, types, positions);
        Map<String, INDArray> m = new HashMap<>();
        m.put("input_ids", Nd4j.createFromArray(inputIds).castTo(DataType.INT));
        m.put("token_type_ids", Nd4j.createFromArray(types).castTo(DataType.INT));
        m.put("position_ids", Nd4j.createFromArray(positions).castTo(DataType.INT));
        m.put("attention_mask", Nd4j.createFromArray(attentionMask).castTo(DataType.FLOAT));
        m.put("dropout_keep", Nd4j.scalar(keep));
        return m;
    }
}
