package org.petl.eval.bleu;

import org.petl.eval.PyStrings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BLEU exactly as sacreBLEU 2.6.0's {@code BLEU} metric computes it (corpus and sentence level).
 * Thread-safe: holds only the immutable config.
 */
public final class Bleu {
    /** The sacreBLEU release whose numbers this reproduces; goes into the signature. */
    public static final String SACREBLEU_VERSION = "2.6.0";

    private final BleuConfig config;

    public Bleu(BleuConfig config) {
        this.config = config;
    }

    public BleuConfig config() { return config; }

    /** sacreBLEU's preprocessing of one segment: (Romanian normalisation), lowercase, rstrip, tokenize. */
    public String preprocess(String segment) {
        if (config.romanianNormalize()) segment = RomanianNormalizer.normalize(segment);
        if (config.lowercase()) segment = PyStrings.lower(segment);
        return config.tokenizer().tokenize(PyStrings.rstrip(segment));
    }

    /** The tokens BLEU counts for one segment. */
    public List<String> tokens(String segment) {
        return PyStrings.split(preprocess(segment));
    }

    /** Sentence-level BLEU of one hypothesis against its references (effective order as configured). */
    public BleuScore sentenceScore(String hypothesis, List<String> references) {
        long[] stats = segmentStats(hypothesis, references);
        return compute(stats, String.valueOf(references.size()));
    }

    /**
     * Corpus-level BLEU.
     *
     * @param references per segment: {@code references.get(i)} holds the references of segment i
     *                   (the transpose of sacreBLEU's reference streams)
     */
    public BleuScore corpusScore(List<String> hypotheses, List<List<String>> references) {
        if (hypotheses.size() != references.size())
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size() + " reference sets");
        long[] sum = new long[2 + 2 * config.maxNgramOrder()];
        int nrefs = -1;
        for (int i = 0; i < hypotheses.size(); i++) {
            List<String> refs = references.get(i);
            if (nrefs == -1) nrefs = refs.size();
            else if (nrefs != refs.size())
                throw new IllegalArgumentException("segment " + (i + 1) + " has " + refs.size() + " references, earlier ones " + nrefs);
            long[] s = segmentStats(hypotheses.get(i), refs);
            for (int k = 0; k < sum.length; k++) sum[k] += s[k];
        }
        return compute(sum, String.valueOf(Math.max(nrefs, 0)));
    }

    /** [sys_len, ref_len, correct_1..N, total_1..N] for one segment, as sacreBLEU's segment statistics. */
    public long[] segmentStats(String hypothesis, List<String> references) {
        int order = config.maxNgramOrder();
        List<String> hypTokens = tokens(hypothesis);
        Map<String, Integer> refNgrams = null;
        int[] refLens = new int[references.size()];
        for (int r = 0; r < references.size(); r++) {
            List<String> refTokens = tokens(references.get(r));
            refLens[r] = refTokens.size();
            Map<String, Integer> counts = ngrams(refTokens, order);
            if (refNgrams == null) refNgrams = counts;
            else for (Map.Entry<String, Integer> e : counts.entrySet()) refNgrams.merge(e.getKey(), e.getValue(), Math::max);
        }
        if (refNgrams == null) refNgrams = Map.of();
        long[] stats = new long[2 + 2 * order];
        int hypLen = hypTokens.size();
        stats[0] = hypLen;
        stats[1] = closestRefLen(hypLen, refLens);
        for (Map.Entry<String, Integer> e : ngrams(hypTokens, order).entrySet()) {
            int n = ngramOrder(e.getKey()) - 1;
            int count = e.getValue();
            stats[2 + n] += Math.min(count, refNgrams.getOrDefault(e.getKey(), 0));
            stats[2 + order + n] += count;
        }
        return stats;
    }

    /** The reference length closest to the hypothesis length; ties go to the shorter reference. */
    static int closestRefLen(int hypLen, int[] refLens) {
        int closestDiff = -1, closestLen = -1;
        for (int refLen : refLens) {
            int diff = Math.abs(hypLen - refLen);
            if (closestDiff == -1 || diff < closestDiff) {
                closestDiff = diff;
                closestLen = refLen;
            } else if (diff == closestDiff && refLen < closestLen) {
                closestLen = refLen;
            }
        }
        return closestLen;
    }

    // tokens never contain a space (they come from str.split()), so a space-joined key is unambiguous
    private static Map<String, Integer> ngrams(List<String> tokens, int maxOrder) {
        Map<String, Integer> counts = new HashMap<>(tokens.size() * maxOrder * 2);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            sb.setLength(0);
            for (int n = 1; n <= maxOrder && i + n <= tokens.size(); n++) {
                if (n > 1) sb.append(' ');
                sb.append(tokens.get(i + n - 1));
                counts.merge(sb.toString(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static int ngramOrder(String key) {
        int n = 1;
        for (int i = 0; i < key.length(); i++) if (key.charAt(i) == ' ') n++;
        return n;
    }

    /** sacreBLEU's {@code compute_bleu} on summed statistics. */
    private BleuScore compute(long[] stats, String nrefs) {
        int order = config.maxNgramOrder();
        long sysLen = stats[0], refLen = stats[1];
        long[] correct = new long[order], total = new long[order];
        System.arraycopy(stats, 2, correct, 0, order);
        System.arraycopy(stats, 2 + order, total, 0, order);
        Smoothing method = config.smoothing();
        Double smoothValue = config.effectiveSmoothValue();

        double bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0.0) : 1.0;
        double[] precisions = new double[order];
        boolean anyMatch = false;
        for (long c : correct) anyMatch |= c != 0;
        double score;
        if (!anyMatch) {
            // sacreBLEU returns 0 without smoothing when nothing matches (its issue #141)
            score = 0.0;
        } else {
            double smoothMteval = 1.0;
            int effOrder = order;
            for (int n = 1; n <= order; n++) {
                if (method == Smoothing.ADD_K && n > 1) {
                    long k = (long) smoothValue.doubleValue();
                    correct[n - 1] += k;
                    total[n - 1] += k;
                }
                if (total[n - 1] == 0) break;
                if (config.effectiveOrder()) effOrder = n;
                if (correct[n - 1] == 0) {
                    if (method == Smoothing.EXP) {
                        smoothMteval *= 2;
                        precisions[n - 1] = 100. / (smoothMteval * total[n - 1]);
                    } else if (method == Smoothing.FLOOR) {
                        precisions[n - 1] = 100. * smoothValue / total[n - 1];
                    }
                } else {
                    precisions[n - 1] = 100. * correct[n - 1] / total[n - 1];
                }
            }
            double sum = 0;
            for (int n = 0; n < effOrder; n++) sum += precisions[n] == 0.0 ? -9999999999.0 : Math.log(precisions[n]);
            score = bp * Math.exp(sum / effOrder);
        }
        double ratio = refLen != 0 ? (double) sysLen / refLen : 0;
        List<Integer> counts = new ArrayList<>(order), totals = new ArrayList<>(order);
        List<Double> precs = new ArrayList<>(order);
        StringBuilder precStr = new StringBuilder();
        for (int n = 0; n < order; n++) {
            counts.add(Math.toIntExact(correct[n]));
            totals.add(Math.toIntExact(total[n]));
            precs.add(precisions[n]);
            if (n > 0) precStr.append('/');
            precStr.append(PyStrings.fixed(precisions[n], 1));
        }
        String formatted = "BLEU = " + PyStrings.fixed(score, 2) + " " + precStr + " (BP = " + PyStrings.fixed(bp, 3)
                + " ratio = " + PyStrings.fixed(ratio, 3) + " hyp_len = " + sysLen + " ref_len = " + refLen + ")";
        return new BleuScore(score, counts, totals, precs, bp, Math.toIntExact(sysLen), Math.toIntExact(refLen), ratio,
                signature(nrefs), formatted);
    }

    /** sacreBLEU's signature, e.g. {@code nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0}. */
    public String signature(String nrefs) {
        String smooth = config.smoothing().label();
        if (config.smoothing().defaultValue() != null) smooth += "[" + PyStrings.fixed(config.effectiveSmoothValue(), 2) + "]";
        return "nrefs:" + nrefs + "|case:" + (config.lowercase() ? "lc" : "mixed") + "|eff:" + (config.effectiveOrder() ? "yes" : "no")
                + "|tok:" + config.tokenizer().signature() + "|smooth:" + smooth + "|version:" + SACREBLEU_VERSION;
    }
}
