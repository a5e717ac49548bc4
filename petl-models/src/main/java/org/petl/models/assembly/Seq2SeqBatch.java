package org.petl.models.assembly;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.arch.ModelDescription;

import java.util.HashMap;
import java.util.Map;

/**
 * One padded seq2seq batch: source ids and mask [B, S], decoder input ids and mask [B, T], optional labels
 * [B, T] (−100 = ignored). {@link #placeholders} adds the position rows the description's scheme gives.
 */
public record Seq2SeqBatch(int[][] inputIds, int[][] attentionMask, int[][] decoderInputIds, int[][] decoderAttentionMask, int[][] labels) {

    /** The label of a position the loss ignores (padding), PyTorch's and transformers' convention. */
    public static final int IGNORE = -100;

    public Seq2SeqBatch {
        check("input_ids", inputIds, attentionMask);
        check("decoder_input_ids", decoderInputIds, decoderAttentionMask);
        if (inputIds.length != decoderInputIds.length) {
            throw new IllegalArgumentException("batch: " + inputIds.length + " sources but " + decoderInputIds.length + " decoder rows");
        }
    }

    private static void check(String what, int[][] ids, int[][] mask) {
        if (ids.length == 0) throw new IllegalArgumentException("empty batch");
        for (int b = 0; b < ids.length; b++) {
            if (ids[b].length != ids[0].length || mask[b].length != ids[0].length) {
                throw new IllegalArgumentException(what + " row " + b + " is not padded to length " + ids[0].length);
            }
        }
    }

    /** Position rows of a [B, T] block starting at position {@code start} (BART: row = t + 2). */
    static int[][] positions(ModelDescription d, int batch, int length, int start) {
        int[][] p = new int[batch][length];
        for (int b = 0; b < batch; b++) for (int t = 0; t < length; t++) p[b][t] = d.positionRow(start + t);
        return p;
    }

    public Map<String, INDArray> placeholders(ModelDescription d, float keep) {
        Map<String, INDArray> m = new HashMap<>();
        m.put("input_ids", Nd4j.createFromArray(inputIds).castTo(DataType.INT));
        m.put("position_ids", Nd4j.createFromArray(positions(d, inputIds.length, inputIds[0].length, 0)).castTo(DataType.INT));
        m.put("attention_mask", Nd4j.createFromArray(attentionMask).castTo(DataType.FLOAT));
        m.put("decoder_input_ids", Nd4j.createFromArray(decoderInputIds).castTo(DataType.INT));
        m.put("decoder_position_ids", Nd4j.createFromArray(positions(d, decoderInputIds.length, decoderInputIds[0].length, 0)).castTo(DataType.INT));
        m.put("decoder_attention_mask", Nd4j.createFromArray(decoderAttentionMask).castTo(DataType.FLOAT));
        if (labels != null) m.put("labels", Nd4j.createFromArray(labels).castTo(DataType.INT));
        m.put("dropout_keep", Nd4j.scalar(keep));
        return m;
    }
}
