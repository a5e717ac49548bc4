package org.petl.models.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Greedy and beam search with the semantics of Hugging Face {@code generate()} as the paper's transformers 4.9 fork
 * implements it (logits processors in the order no-repeat-n-gram, min length, forced BOS, forced EOS; beam scorer
 * with 2·n candidates, length-normalised hypotheses, {@code is_done} on the best candidate). Arithmetic is in double.
 */
public final class Generator {

    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private Generator() {
    }

    public static Generation generate(StepModel model, int[][] inputIds, int[][] attentionMask, GenerationConfig cfg) {
        if (inputIds.length == 0) throw new IllegalArgumentException("no source sequences to generate from");
        if (attentionMask.length != inputIds.length) {
            throw new IllegalArgumentException("attention mask has " + attentionMask.length + " rows, input ids " + inputIds.length);
        }
        int vocab = model.vocabSize();
        for (int t : new int[]{cfg.eosTokenId(), cfg.padTokenId(), cfg.decoderStartTokenId(), cfg.forcedBosTokenId(), cfg.forcedEosTokenId()}) {
            if (t >= vocab) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (" + vocab + ")");
        }
        try (StepModel.Session session = model.start(inputIds, attentionMask, cfg.numBeams())) {
            return cfg.greedy() ? greedy(session, inputIds.length, cfg) : beam(session, inputIds.length, cfg);
        }
    }

    /** Applies the logits processors in place to one row's scores ({@code cur} = the row's tokens, cur_len = their count). */
    static void process(double[] scores, int[] cur, GenerationConfig cfg) {
        int curLen = cur.length;
        int k = cfg.noRepeatNgramSize();
        if (k > 0 && curLen + 1 >= k) {
            for (int t : bannedNgramTokens(cur, k)) scores[t] = NEG_INF;
        }
        if (curLen < cfg.minLength()) scores[cfg.eosTokenId()] = NEG_INF;
        if (cfg.forcedBosTokenId() >= 0 && curLen == 1) force(scores, cfg.forcedBosTokenId());
        if (cfg.forcedEosTokenId() >= 0 && curLen == cfg.maxLength() - 1) force(scores, cfg.forcedEosTokenId());
    }

    private static void force(double[] scores, int token) {
        Arrays.fill(scores, NEG_INF);
        scores[token] = 0;
    }

    /** Tokens t such that (last k−1 tokens, t) already occurs as a k-gram of {@code cur}. */
    static List<Integer> bannedNgramTokens(int[] cur, int k) {
        Map<List<Integer>, List<Integer>> grams = new HashMap<>();
        for (int i = 0; i + k <= cur.length; i++) {
            List<Integer> prefix = new ArrayList<>(k - 1);
            for (int j = 0; j < k - 1; j++) prefix.add(cur[i + j]);
            grams.computeIfAbsent(prefix, p -> new ArrayList<>()).add(cur[i + k - 1]);
        }
        List<Integer> last = new ArrayList<>(k - 1);
        for (int j = cur.length - (k - 1); j < cur.length; j++) last.add(cur[j]);
        return grams.getOrDefault(last, List.of());
    }

    private static Generation greedy(StepModel.Session session, int batch, GenerationConfig cfg) {
        int[][] seq = new int[batch][];
        for (int b = 0; b < batch; b++) seq[b] = new int[]{cfg.decoderStartTokenId()};
        boolean[] finished = new boolean[batch];
        List<double[]> emitted = new ArrayList<>();
        int[] parents = null;
        int steps = 0;
        while (seq[0].length < cfg.maxLength()) {
            double[][] logits = session.next(seq, parents);
            double[] stepScores = new double[batch];
            boolean anyOpen = false;
            for (int b = 0; b < batch; b++) {
                double[] s = logits[b].clone();
                process(s, seq[b], cfg);
                int tok = argmax(s);
                if (finished[b]) {
                    tok = cfg.padTokenId();
                    stepScores[b] = Double.NaN;
                } else {
                    stepScores[b] = s[tok];
                }
                seq[b] = append(seq[b], tok);
                if (tok == cfg.eosTokenId()) finished[b] = true;
                anyOpen |= !finished[b];
            }
            emitted.add(stepScores);
            if (parents == null) parents = identity(batch);
            steps++;
            if (!anyOpen) break;
        }
        double[][] tokenScores = new double[batch][emitted.size()];
        for (int t = 0; t < emitted.size(); t++) for (int b = 0; b < batch; b++) tokenScores[b][t] = emitted.get(t)[b];
        return new Generation(seq, null, tokenScores, null, steps);
    }

    /** The kept hypotheses of one source (HF's BeamHypotheses). */
    private static final class Hyps {
        final int n;
        final double lp;
        final boolean early;
        final List<Hypothesis> beams = new ArrayList<>();
        double worst = 1e9;

        Hyps(int n, double lp, boolean early) {
            this.n = n;
            this.lp = lp;
            this.early = early;
        }

        void add(int[] tokens, double sumLogprobs) {
            double score = sumLogprobs / Math.pow(tokens.length, lp);
            if (beams.size() < n || score > worst) {
                beams.add(new Hypothesis(score, tokens));
                if (beams.size() > n) {
                    int worstIdx = 0;
                    for (int i = 1; i < beams.size(); i++) if (beams.get(i).score() < beams.get(worstIdx).score()) worstIdx = i;
                    beams.remove(worstIdx);
                    worst = Double.POSITIVE_INFINITY;
                    for (Hypothesis h : beams) worst = Math.min(worst, h.score());
                } else {
                    worst = Math.min(score, worst);
                }
            }
        }

        boolean isDone(double bestSumLogprobs, int curLen) {
            if (beams.size() < n) return false;
            if (early) return true;
            return worst >= bestSumLogprobs / Math.pow(curLen, lp);
        }
    }

    private static Generation beam(StepModel.Session session, int batch, GenerationConfig cfg) {
        int n = cfg.numBeams();
        int rows = batch * n;
        int vocab = -1;
        int[][] seq = new int[rows][];
        for (int r = 0; r < rows; r++) seq[r] = new int[]{cfg.decoderStartTokenId()};
        double[] beamScores = new double[rows];
        for (int r = 0; r < rows; r++) beamScores[r] = r % n == 0 ? 0 : -1e9;
        Hyps[] hyps = new Hyps[batch];
        for (int b = 0; b < batch; b++) hyps[b] = new Hyps(n, cfg.lengthPenalty(), cfg.earlyStopping());
        boolean[] done = new boolean[batch];
        int[] parents = null;
        int steps = 0;
        while (seq[0].length < cfg.maxLength()) {
            int curLen = seq[0].length;
            double[][] logits = session.next(seq, parents);
            vocab = logits[0].length;
            double[][] scores = new double[rows][];
            for (int r = 0; r < rows; r++) {
                double[] s = logSoftmax(logits[r]);
                process(s, seq[r], cfg);
                for (int v = 0; v < vocab; v++) s[v] += beamScores[r];
                scores[r] = s;
            }
            int[][] nextSeq = new int[rows][];
            double[] nextScores = new double[rows];
            int[] nextParents = new int[rows];
            for (int b = 0; b < batch; b++) {
                if (done[b]) {
                    for (int j = 0; j < n; j++) {
                        int r = b * n + j;
                        nextScores[r] = 0;
                        nextParents[r] = 0;
                        nextSeq[r] = append(seq[0], cfg.padTokenId());
                    }
                    continue;
                }
                int[] top = topK(scores, b * n, n, vocab, 2 * n);
                int beamIdx = 0;
                for (int rank = 0; rank < top.length && beamIdx < n; rank++) {
                    int flat = top[rank];
                    int row = b * n + flat / vocab;
                    int tok = flat % vocab;
                    double s = scores[row][tok];
                    if (tok == cfg.eosTokenId()) {
                        if (rank >= n) continue;
                        hyps[b].add(seq[row], s);
                    } else {
                        int r = b * n + beamIdx;
                        nextScores[r] = s;
                        nextParents[r] = row;
                        nextSeq[r] = append(seq[row], tok);
                        beamIdx++;
                    }
                }
                double best = scores[b * n + top[0] / vocab][top[0] % vocab];
                done[b] = done[b] || hyps[b].isDone(best, curLen);
            }
            seq = nextSeq;
            beamScores = nextScores;
            parents = nextParents;
            steps++;
            boolean all = true;
            for (boolean d : done) all &= d;
            if (all) break;
        }
        // finalize: sources not done offer their running beams
        for (int b = 0; b < batch; b++) {
            if (done[b]) continue;
            for (int j = 0; j < n; j++) hyps[b].add(seq[b * n + j], beamScores[b * n + j]);
        }
        int keep = cfg.numReturnSequences();
        List<List<Hypothesis>> kept = new ArrayList<>();
        List<Hypothesis> best = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            // stable sort ascending, then take from the end: among equal scores the one added last wins
            List<Hypothesis> asc = new ArrayList<>(hyps[b].beams);
            asc.sort((x, y) -> Double.compare(x.score(), y.score()));
            List<Hypothesis> desc = new ArrayList<>(asc);
            java.util.Collections.reverse(desc);
            kept.add(List.copyOf(desc));
            for (int j = 0; j < keep; j++) best.add(desc.get(j));
        }
        int width = 0;
        for (Hypothesis h : best) width = Math.max(width, h.tokens().length);
        width = Math.min(width + 1, cfg.maxLength());
        int[][] out = new int[best.size()][width];
        double[] outScores = new double[best.size()];
        for (int i = 0; i < best.size(); i++) {
            int[] t = best.get(i).tokens();
            Arrays.fill(out[i], cfg.padTokenId());
            System.arraycopy(t, 0, out[i], 0, t.length);
            if (t.length < cfg.maxLength()) out[i][t.length] = cfg.eosTokenId();
            outScores[i] = (float) best.get(i).score();
        }
        return new Generation(out, outScores, null, kept, steps);
    }

    /** The k best candidates (flat index beam·vocab + token) over rows from..from+n−1, descending; ties by index. */
    private static int[] topK(double[][] scores, int from, int n, int vocab, int k) {
        int total = n * vocab;
        Integer[] idx = new Integer[total];
        for (int i = 0; i < total; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(scores[from + b / vocab][b % vocab], scores[from + a / vocab][a % vocab]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[Math.min(k, total)];
        for (int i = 0; i < out.length; i++) out[i] = idx[i];
        return out;
    }

    static double[] logSoftmax(double[] x) {
        double max = NEG_INF;
        for (double v : x) max = Math.max(max, v);
        double sum = 0;
        for (double v : x) sum += Math.exp(v - max);
        double lse = max + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] - lse;
        return out;
    }

    private static int argmax(double[] s) {
        int best = 0;
        for (int i = 1; i < s.length; i++) if (s[i] > s[best]) best = i;
        return best;
    }

    private static int[] append(int[] a, int t) {
        int[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = t;
        return out;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }
}
