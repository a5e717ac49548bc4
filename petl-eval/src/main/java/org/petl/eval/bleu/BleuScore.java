package org.petl.eval.bleu;

import java.util.List;

/**
 * One BLEU result, field for field sacreBLEU's {@code BLEUScore}.
 *
 * @param counts  matched n-grams per order (with add-k's increment included, as sacreBLEU returns them)
 * @param totals  hypothesis n-grams per order (likewise)
 * @param precisions percent per order
 * @param refLen  effective reference length (closest reference per segment, summed)
 * @param ratio   sysLen / refLen, 0 when refLen is 0
 * @param formatted sacreBLEU's string form, e.g. {@code BLEU = 64.32 86.0/74.3/66.2/60.0 (BP = 0.906 ...)}
 */
public record BleuScore(double score, List<Integer> counts, List<Integer> totals, List<Double> precisions,
                        double bp, int sysLen, int refLen, double ratio, String signature, String formatted) {}
