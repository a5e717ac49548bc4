package org.petl.eval.rouge;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * rouge_score 0.1.2's {@code RougeScorer} for rouge1, rouge2, rougeL and rougeLsum, with the
 * default tokenizer and {@code split_summaries=False} (rougeLsum lines are split on "\n" only).
 * Not thread-safe (the tokenizer caches stems); use one per thread.
 */
public final class RougeScorer {
    private final RougeTokenizer tokenizer;

    public RougeScorer(boolean useStemmer) {
        this.tokenizer = new RougeTokenizer(useStemmer);
    }

    public RougeTokenizer tokenizer() { return tokenizer; }

    /** All four scores for one pair; argument order as rouge_score's {@code score(target, prediction)}. */
    public Map<RougeType, RougeScore> score(String target, String prediction) {
        List<String> t = tokenizer.tokenize(target);
        List<String> p = tokenizer.tokenize(prediction);
        Map<RougeType, RougeScore> out = new EnumMap<>(RougeType.class);
        out.put(RougeType.ROUGE1, ngramScore(t, p, 1));
        out.put(RougeType.ROUGE2, ngramScore(t, p, 2));
        out.put(RougeType.ROUGE_L, lcsScore(t, p));
        out.put(RougeType.ROUGE_LSUM, summaryLevelLcs(lsumLines(target), lsumLines(prediction)));
        return out;
    }

    /** Token lists for rougeLsum: split on "\n" only, zero-length lines dropped (whitespace-only lines kept). */
    public List<List<String>> lsumLines(String text) {
        List<List<String>> lines = new ArrayList<>();
        int start = 0;
        while (true) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            if (end > start) lines.add(tokenizer.tokenize(text.substring(start, end)));
            if (nl < 0) break;
            start = nl + 1;
        }
        return lines;
    }

    static RougeScore ngramScore(List<String> target, List<String> prediction, int n) {
        Map<String, int[]> t = ngramCounts(target, n), p = ngramCounts(prediction, n);
        long hits = 0;
        for (Map.Entry<String, int[]> e : t.entrySet()) {
            int[] pc = p.get(e.getKey());
            if (pc != null) hits += Math.min(e.getValue()[0], pc[0]);
        }
        int tCount = Math.max(target.size() - n + 1, 0), pCount = Math.max(prediction.size() - n + 1, 0);
        double precision = (double) hits / Math.max(pCount, 1);
        double recall = (double) hits / Math.max(tCount, 1);
        return RougeScore.of(precision, recall);
    }

    private static Map<String, int[]> ngramCounts(List<String> tokens, int n) {
        Map<String, int[]> counts = new HashMap<>();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i + n <= tokens.size(); i++) {
            String key;
            if (n == 1) {
                key = tokens.get(i);
            } else {
                // tokens are [a-z0-9]+, so a space cannot make two different n-grams collide
                sb.setLength(0);
                for (int k = 0; k < n; k++) {
                    if (k > 0) sb.append(' ');
                    sb.append(tokens.get(i + k));
                }
                key = sb.toString();
            }
            counts.computeIfAbsent(key, x -> new int[1])[0]++;
        }
        return counts;
    }

    static RougeScore lcsScore(List<String> target, List<String> prediction) {
        if (target.isEmpty() || prediction.isEmpty()) return RougeScore.ZERO;
        int[][] table = lcsTable(target, prediction);
        int lcs = table[target.size()][prediction.size()];
        return RougeScore.of((double) lcs / prediction.size(), (double) lcs / target.size());
    }

    /** The standard DP table, (|ref|+1) x (|can|+1), int rows so the inner loop stays on primitives. */
    static int[][] lcsTable(List<String> ref, List<String> can) {
        int rows = ref.size(), cols = can.size();
        int[][] t = new int[rows + 1][cols + 1];
        for (int i = 1; i <= rows; i++) {
            String r = ref.get(i - 1);
            int[] cur = t[i], prev = t[i - 1];
            for (int j = 1; j <= cols; j++) {
                cur[j] = r.equals(can.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
        }
        return t;
    }

    /** rougeLsum: union LCS per target line, hits capped by the remaining token counts on both sides. */
    static RougeScore summaryLevelLcs(List<List<String>> refSents, List<List<String>> canSents) {
        if (refSents.isEmpty() || canSents.isEmpty()) return RougeScore.ZERO;
        int m = 0, n = 0;
        for (List<String> s : refSents) m += s.size();
        for (List<String> s : canSents) n += s.size();
        if (m == 0 || n == 0) return RougeScore.ZERO;
        Map<String, int[]> cntR = new HashMap<>(), cntC = new HashMap<>();
        for (List<String> s : refSents) for (String tok : s) cntR.computeIfAbsent(tok, x -> new int[1])[0]++;
        for (List<String> s : canSents) for (String tok : s) cntC.computeIfAbsent(tok, x -> new int[1])[0]++;
        long hits = 0;
        for (List<String> r : refSents) {
            boolean[] inUnion = new boolean[r.size()];
            for (List<String> c : canSents) markLcs(r, c, inUnion);
            for (int i = 0; i < r.size(); i++) {
                if (!inUnion[i]) continue;
                String tok = r.get(i);
                int[] c = cntC.get(tok), rr = cntR.get(tok);
                if (c != null && rr != null && c[0] > 0 && rr[0] > 0) {
                    hits++;
                    c[0]--;
                    rr[0]--;
                }
            }
        }
        return RougeScore.of((double) hits / n, (double) hits / m);
    }

    /** rouge_score's {@code _backtrack_norec}: marks the ref positions of one LCS, read from the bottom-right. */
    private static void markLcs(List<String> ref, List<String> can, boolean[] mark) {
        if (ref.isEmpty() || can.isEmpty()) return;
        int[][] t = lcsTable(ref, can);
        int i = ref.size(), j = can.size();
        while (i > 0 && j > 0) {
            if (ref.get(i - 1).equals(can.get(j - 1))) {
                mark[i - 1] = true;
                i--;
                j--;
            } else if (t[i][j - 1] > t[i - 1][j]) {
                j--;
            } else {
                i--;
            }
        }
    }

    /** Plain mean per type and component, summed left to right in input order (as the golden means are). */
    public static Map<RougeType, RougeScore> mean(List<Map<RougeType, RougeScore>> scores) {
        Map<RougeType, RougeScore> out = new EnumMap<>(RougeType.class);
        if (scores.isEmpty()) return out;
        for (RougeType type : RougeType.values()) {
            double p = 0, r = 0, f = 0;
            for (Map<RougeType, RougeScore> s : scores) {
                RougeScore x = s.get(type);
                p += x.precision();
                r += x.recall();
                f += x.fmeasure();
            }
            int k = scores.size();
            out.put(type, new RougeScore(p / k, r / k, f / k));
        }
        return out;
    }
}
