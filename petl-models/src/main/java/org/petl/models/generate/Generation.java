package org.petl.models.generate;

import java.util.List;

/**
 * What {@link Generator#generate} returns, in Hugging Face's layout.
 *
 * @param sequences       [sources · numReturnSequences][width]: start token, tokens, EOS, then pad
 * @param sequenceScores  beam search: the score of each returned sequence (as float32); greedy: null
 * @param tokenScores     greedy: [sources][steps] the processed logit of each emitted token, NaN after the row's EOS; beam: null
 * @param hypotheses      beam search: per source, the kept hypotheses sorted by score (best first); greedy: null
 * @param steps           decoder steps run
 */
public record Generation(int[][] sequences, double[] sequenceScores, double[][] tokenScores, List<List<Hypothesis>> hypotheses, int steps) {

    /** The generated tokens of a row: without the start token, up to (not including) the first EOS. */
    public int[] generated(int row, int eos) {
        int[] s = sequences[row];
        int end = 1;
        while (end < s.length && s[end] != eos) end++;
        return java.util.Arrays.copyOfRange(s, 1, end);
    }
}
