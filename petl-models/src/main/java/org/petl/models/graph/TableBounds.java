package org.petl.models.graph;

import org.petl.models.EncoderConfig;

/**
 * Checks every index that will reach a native gather against the model's tables: token ids against the word
 * embedding rows, token types against the type table, position ids against the position table. ND4J does not
 * bounds-check gathers on the CPU, so an id past the table reads foreign memory and crashes the JVM; the check
 * runs on every batch before it becomes placeholders, and names the row, column and table.
 */
public final class TableBounds {

    private TableBounds() {
    }

    public static void check(EncoderConfig cfg, int[][] ids, int[][] types, int[][] positions) {
        table("token id", ids, cfg.vocab(), "word-embedding table",
                " (the tokenizer does not match the model: its vocabulary is larger than the model's)");
        if (types != null) table("token type id", types, cfg.typeVocab(), "token-type table", "");
        table("position id", positions, cfg.maxPositions(), "position table",
                " (the input is longer than the model's " + cfg.maxTokens() + " tokens)");
    }

    private static void table(String what, int[][] a, int rows, String table, String why) {
        for (int b = 0; b < a.length; b++) {
            for (int t = 0; t < a[b].length; t++) {
                int v = a[b][t];
                if (v < 0 || v >= rows) {
                    throw new IllegalArgumentException(what + " " + v + " at batch row " + b + ", token " + t + " is outside the model's "
                            + table + " of " + rows + " rows" + why);
                }
            }
        }
    }
}
