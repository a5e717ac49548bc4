package org.petl.models.graph;

import org.junit.jupiter.api.Test;
import org.petl.models.EncoderConfig;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ids past a table are refused before they become placeholders (a native gather would read foreign memory). */
class TableBoundsTest {

    static final EncoderConfig TINY = new EncoderConfig(EncoderConfig.Family.ROBERTA, 2, 32, 4, 64, 120, 64, 1, 1e-5, "gelu", 1);

    @Test
    void tokenIdsTypesAndPositionsAreChecked() {
        int[][] mask = {{1, 1, 1}};
        String id = assertThrows(IllegalArgumentException.class, () -> new EncoderBatch(new int[][]{{0, 120, 2}}, null, mask).placeholders(TINY, 1f)).getMessage();
        assertTrue(id.contains("token id 120 at batch row 0, token 1") && id.contains("word-embedding table of 120 rows"), id);
        String neg = assertThrows(IllegalArgumentException.class, () -> new EncoderBatch(new int[][]{{0, -1, 2}}, null, mask).placeholders(TINY, 1f)).getMessage();
        assertTrue(neg.contains("token id -1"), neg);
        String type = assertThrows(IllegalArgumentException.class, () -> new EncoderBatch(new int[][]{{0, 5, 2}}, new int[][]{{0, 1, 0}}, mask).placeholders(TINY, 1f)).getMessage();
        assertTrue(type.contains("token type id 1") && type.contains("token-type table of 1 rows"), type);
        // RoBERTa positions start at 2: 62 tokens fit the 64 rows, 63 do not
        int[][] fits = new int[1][62], over = new int[1][63];
        int[][] m62 = {new int[62]}, m63 = {new int[63]};
        java.util.Arrays.fill(fits[0], 5);
        java.util.Arrays.fill(over[0], 5);
        java.util.Arrays.fill(m62[0], 1);
        java.util.Arrays.fill(m63[0], 1);
        assertDoesNotThrow(() -> new EncoderBatch(fits, null, m62).placeholders(TINY, 1f));
        String pos = assertThrows(IllegalArgumentException.class, () -> new EncoderBatch(over, null, m63).placeholders(TINY, 1f)).getMessage();
        assertTrue(pos.contains("position id 64") && pos.contains("longer than the model's 62 tokens"), pos);
    }
}
