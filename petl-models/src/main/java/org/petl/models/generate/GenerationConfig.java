package org.petl.models.generate;

/**
 * Decoding settings with Hugging Face {@code generate()} semantics (the paper's transformers 4.9 fork).
 *
 * @param numBeams           1 = greedy search, more = beam search
 * @param maxLength          length of a decoder sequence including the start token
 * @param minLength          EOS is masked while the sequence (start token included) is shorter than this
 * @param lengthPenalty      hypothesis score = sum of log-probabilities / length ** lengthPenalty
 * @param noRepeatNgramSize  no n-gram of this size occurs twice in a row's tokens (0 = off)
 * @param earlyStopping      a source is done as soon as numBeams hypotheses are kept
 * @param decoderStartTokenId the first decoder token (BART: EOS 2, mBART: the target language code)
 * @param forcedBosTokenId   forced as first generated token (mBART-50: the target language), or -1
 * @param forcedEosTokenId   forced at the last step (max length − 1), or -1
 * @param eosTokenId         end of sequence
 * @param padTokenId         written after EOS
 * @param numReturnSequences hypotheses returned per source (beam search; ≤ numBeams)
 */
public record GenerationConfig(int numBeams, int maxLength, int minLength, double lengthPenalty, int noRepeatNgramSize,
                               boolean earlyStopping, int decoderStartTokenId, int forcedBosTokenId,
                               int forcedEosTokenId, int eosTokenId, int padTokenId, int numReturnSequences) {

    public GenerationConfig {
        if (numBeams < 1) throw new IllegalArgumentException("num_beams must be at least 1, got " + numBeams);
        if (maxLength < 2) throw new IllegalArgumentException("max_length must be at least 2 (start token + one), got " + maxLength);
        if (minLength < 0) throw new IllegalArgumentException("min_length must not be negative, got " + minLength);
        if (noRepeatNgramSize < 0) throw new IllegalArgumentException("no_repeat_ngram_size must not be negative, got " + noRepeatNgramSize);
        if (!Double.isFinite(lengthPenalty)) throw new IllegalArgumentException("length_penalty must be finite, got " + lengthPenalty);
        if (numReturnSequences < 1 || numReturnSequences > numBeams) {
            throw new IllegalArgumentException("num_return_sequences must be between 1 and num_beams (" + numBeams + "), got " + numReturnSequences
                    + (numBeams == 1 ? " (greedy search returns one sequence per source)" : ""));
        }
        if (eosTokenId < 0 || padTokenId < 0 || decoderStartTokenId < 0) {
            throw new IllegalArgumentException("eos, pad and decoder start token ids must not be negative");
        }
    }

    /** BART's defaults (start = EOS = 2, pad 1, forced EOS at max length) with the given beams and max length. */
    public static GenerationConfig bart(int numBeams, int maxLength) {
        return new GenerationConfig(numBeams, maxLength, 0, 1.0, 0, false, 2, -1, 2, 2, 1, 1);
    }

    public GenerationConfig withNumBeams(int n) {
        return new GenerationConfig(n, maxLength, minLength, lengthPenalty, noRepeatNgramSize, earlyStopping, decoderStartTokenId,
                forcedBosTokenId, forcedEosTokenId, eosTokenId, padTokenId, Math.min(numReturnSequences, n));
    }

    public GenerationConfig withMaxLength(int m) {
        return new GenerationConfig(numBeams, m, minLength, lengthPenalty, noRepeatNgramSize, earlyStopping, decoderStartTokenId,
                forcedBosTokenId, forcedEosTokenId, eosTokenId, padTokenId, numReturnSequences);
    }

    public boolean greedy() {
        return numBeams == 1;
    }
}
