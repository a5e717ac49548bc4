package org.petl.models;

/**
 * Architecture of a BERT-family encoder (BERT, RoBERTa, MiniLM, bge). Everything a builder needs; nothing
 * about weights.
 *
 * @param family         BERT or ROBERTA (RoBERTa: positions start at padIdx+1 and skip padding)
 * @param layers         number of Transformer layers
 * @param hidden         model width d
 * @param heads          attention heads (d must be divisible)
 * @param ffn            FFN inner width
 * @param vocab          vocabulary size
 * @param maxPositions   rows of the position table
 * @param typeVocab      rows of the token-type table (RoBERTa: 1)
 * @param layerNormEps   LayerNorm epsilon (BERT 1e-12, RoBERTa 1e-5)
 * @param activation     FFN activation, "gelu" (exact erf form) or "gelu_new" (tanh approximation)
 * @param padTokenId     id of the padding token
 */
public record EncoderConfig(Family family, int layers, int hidden, int heads, int ffn, int vocab, int maxPositions,
                            int typeVocab, double layerNormEps, String activation, int padTokenId) {

    public enum Family { BERT, ROBERTA }

    public EncoderConfig {
        if (layers <= 0 || hidden <= 0 || heads <= 0 || ffn <= 0 || vocab <= 0 || maxPositions <= 0 || typeVocab <= 0) {
            throw new IllegalArgumentException("encoder config needs positive sizes: " + this);
        }
        if (hidden % heads != 0) throw new IllegalArgumentException("hidden " + hidden + " is not divisible by heads " + heads);
    }

    public int headSize() {
        return hidden / heads;
    }

    /** Position id of the first real token: 0 for BERT, padTokenId+1 for RoBERTa. */
    public int positionOffset() {
        return family == Family.ROBERTA ? padTokenId + 1 : 0;
    }

    /** Longest input (in tokens, special tokens included) the position table allows. */
    public int maxTokens() {
        return maxPositions - positionOffset();
    }

    /** The model description the graph is built from (pooler not used, so not counted). */
    public org.petl.core.arch.ModelDescription description() {
        String name = family.name().toLowerCase(java.util.Locale.ROOT) + "-" + layers + "x" + hidden;
        return switch (family) {
            case BERT -> org.petl.core.arch.ModelDescription.bert(name, layers, hidden, heads, ffn, vocab, maxPositions, typeVocab, layerNormEps, activation, false);
            case ROBERTA -> org.petl.core.arch.ModelDescription.roberta(name, layers, hidden, heads, ffn, vocab, maxPositions, typeVocab, layerNormEps, activation, false, padTokenId);
        };
    }

    public static EncoderConfig bert(int layers, int hidden, int heads, int ffn, int vocab) {
        return new EncoderConfig(Family.BERT, layers, hidden, heads, ffn, vocab, 512, 2, 1e-12, "gelu", 0);
    }
}
