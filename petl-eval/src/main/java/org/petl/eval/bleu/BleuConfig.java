package org.petl.eval.bleu;

/**
 * Settings of one BLEU metric, as sacreBLEU's {@code BLEU(...)} constructor takes them.
 *
 * @param smoothValue      null means sacreBLEU's default for the method (floor 0.1, add-k 1)
 * @param effectiveOrder   on for sentence-level BLEU, as {@code sentence_bleu} does
 * @param romanianNormalize apply {@link RomanianNormalizer} to hypotheses and references first
 *                          (the paper's en-ro protocol); not part of sacreBLEU, so not in the signature
 */
public record BleuConfig(BleuTokenizer tokenizer, Smoothing smoothing, Double smoothValue, boolean lowercase,
                         boolean effectiveOrder, int maxNgramOrder, boolean romanianNormalize) {

    public BleuConfig {
        if (tokenizer == null || smoothing == null) throw new IllegalArgumentException("tokenizer and smoothing are required");
        if (maxNgramOrder < 1) throw new IllegalArgumentException("maxNgramOrder must be >= 1");
        if (smoothing == Smoothing.ADD_K && smoothValue != null && smoothValue != Math.rint(smoothValue))
            throw new IllegalArgumentException("add-k smoothing needs an integer k, got " + smoothValue);
    }

    /** sacreBLEU's {@code corpus_bleu} defaults: 13a, exp, mixed case, no effective order, 4-grams. */
    public static BleuConfig corpusDefaults() {
        return new BleuConfig(BleuTokenizer.Tok13a.INSTANCE, Smoothing.EXP, null, false, false, 4, false);
    }

    /** sacreBLEU's {@code sentence_bleu} defaults: as corpus, with effective order. */
    public static BleuConfig sentenceDefaults() {
        return corpusDefaults().withEffectiveOrder(true);
    }

    public BleuConfig withTokenizer(BleuTokenizer t) { return new BleuConfig(t, smoothing, smoothValue, lowercase, effectiveOrder, maxNgramOrder, romanianNormalize); }
    public BleuConfig withSmoothing(Smoothing s, Double value) { return new BleuConfig(tokenizer, s, value, lowercase, effectiveOrder, maxNgramOrder, romanianNormalize); }
    public BleuConfig withLowercase(boolean lc) { return new BleuConfig(tokenizer, smoothing, smoothValue, lc, effectiveOrder, maxNgramOrder, romanianNormalize); }
    public BleuConfig withEffectiveOrder(boolean eff) { return new BleuConfig(tokenizer, smoothing, smoothValue, lowercase, eff, maxNgramOrder, romanianNormalize); }
    public BleuConfig withRomanianNormalize(boolean ro) { return new BleuConfig(tokenizer, smoothing, smoothValue, lowercase, effectiveOrder, maxNgramOrder, ro); }

    /** The value actually used: the given one, or the method's default. */
    public Double effectiveSmoothValue() {
        return smoothValue != null ? smoothValue : smoothing.defaultValue();
    }
}
