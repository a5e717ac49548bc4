package org.petl.models.generate;

/**
 * A model that decodes one position at a time: the encoder runs once per source batch ({@link #start}), then
 * every {@link Session#next} call returns the raw next-token logits of each decoder row. Cached implementations
 * keep self-attention keys/values per row and reorder them by {@code parents}; uncached ones re-run the whole
 * decoder on {@code sequences}. Both must return the same numbers.
 */
public interface StepModel {

    int vocabSize();

    /**
     * Encodes the sources once. Each source owns {@code rowsPerSource} consecutive decoder rows
     * (source b: rows b·n … b·n+n−1, as Hugging Face repeats them for beam search).
     */
    Session start(int[][] inputIds, int[][] attentionMask, int rowsPerSource);

    interface Session extends AutoCloseable {
        /**
         * Raw logits [rows, vocab] of the next token of every row.
         *
         * @param sequences every row's tokens so far (start token first; all rows of equal length cur_len)
         * @param parents   for each row, the row of the previous call whose tokens (minus the last) it continues;
         *                  null on the first call. A cached model gathers its cache by these indices.
         */
        double[][] next(int[][] sequences, int[] parents);

        @Override
        default void close() {
        }
    }
}
