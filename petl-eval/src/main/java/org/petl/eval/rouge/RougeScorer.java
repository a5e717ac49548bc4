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

    /**
     * Most token comparisons one pair may cost (|target| x |prediction|): about 10 s of CPU. LCS needs every
     * comparison, so longer texts are refused with this reason instead of running for hours; memory is linear
     * in the text length at any size.
     */
    public static final long MAX_LCS_CELLS = 1_000_000_000L;

    static void checkLcsSize(int target, int prediction) {
        long cells = (long) target * prediction;
        if (cells > MAX_LCS_CELLS) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "too long for ROUGE-L: %,d target x %,d prediction tokens = %,d comparisons, more than the %,d petl allows per pair"
                            + " (the longest common subsequence compares every token pair); split the texts into shorter segments",
                    target, prediction, cells, MAX_LCS_CELLS));
        }
    }

    static RougeScore lcsScore(List<String> target, List<String> prediction) {
        if (target.isEmpty() || prediction.isEmpty()) return RougeScore.ZERO;
        checkLcsSize(target.size(), prediction.size());
        int lcs = lcsLength(target, prediction);
        return RougeScore.of((double) lcs / prediction.size(), (double) lcs / target.size());
    }

    /** LCS length with two DP rows: memory linear in |can|. */
    static int lcsLength(List<String> ref, List<String> can) {
        int cols = can.size();
        int[] prev = new int[cols + 1], cur = new int[cols + 1];
        for (String r : ref) {
            for (int j = 1; j <= cols; j++) cur[j] = r.equals(can.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[cols];
    }

    /** Rows {@code from+1..to} of the DP table, computed from row {@code from}; {@code out[0]} is row {@code from}. */
    private static void lcsRows(List<String> ref, List<String> can, int[] start, int from, int to, int[][] out) {
        System.arraycopy(start, 0, out[0], 0, start.length);
        for (int i = from + 1; i <= to; i++) {
            String r = ref.get(i - 1);
            int[] cur = out[i - from], prev = out[i - from - 1];
            cur[0] = 0;
            for (int j = 1; j < cur.length; j++) cur[j] = r.equals(can.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
        }
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
        checkLcsSize(m, n);
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

    /**
     * rouge_score's {@code _backtrack_norec}: marks the ref positions of one LCS, read from the bottom-right. The
     * walk needs the table's values, but never all of it at once: every k-th row (k ≈ √|ref|) is kept, and the
     * k rows of a block are recomputed from their checkpoint when the walk enters it, so memory is O(√|ref|·|can|)
     * and the path is exactly the full table's.
     */
    private static void markLcs(List<String> ref, List<String> can, boolean[] mark) {
        if (ref.isEmpty() || can.isEmpty()) return;
        int rows = ref.size(), cols = can.size();
        int k = Math.max(1, (int) Math.ceil(Math.sqrt(rows)));
        int blocks = (rows + k - 1) / k;
        int[][] checkpoints = new int[blocks + 1][];
        int[] row = new int[cols + 1], next = new int[cols + 1];
        checkpoints[0] = row.clone();
        for (int i = 1; i <= rows; i++) {
            String r = ref.get(i - 1);
            next[0] = 0;
            for (int j = 1; j <= cols; j++) next[j] = r.equals(can.get(j - 1)) ? row[j - 1] + 1 : Math.max(row[j], next[j - 1]);
            int[] t = row;
            row = next;
            next = t;
            if (i % k == 0) checkpoints[i / k] = row.clone();
        }
        int[][] block = new int[k + 1][cols + 1];
        int i = rows, j = cols;
        int blockFrom = -1;
        while (i > 0 && j > 0) {
            int from = ((i - 1) / k) * k;     // the block holding rows i-1 and i
            if (from != blockFrom) {
                lcsRows(ref, can, checkpoints[from / k], from, Math.min(from + k, rows), block);
                blockFrom = from;
            }
            if (ref.get(i - 1).equals(can.get(j - 1))) {
                mark[i - 1] = true;
                i--;
                j--;
            } else if (block[i - from][j - 1] > block[i - 1 - from][j]) {
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
