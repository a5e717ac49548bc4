package org.petl.tasks.data;

import org.petl.eval.bleu.Bleu;
import org.petl.eval.bleu.BleuConfig;
import org.petl.eval.bleu.BleuTokenizer;
import org.petl.eval.rouge.RougeScore;
import org.petl.eval.rouge.RougeScorer;
import org.petl.eval.rouge.RougeType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a seq2seq task is scored, with petl-eval's rouge_score- and sacreBLEU-exact implementations, and which
 * number selects the best checkpoint (higher is better for both).
 */
public sealed interface Seq2SeqMetric permits Seq2SeqMetric.Rouge, Seq2SeqMetric.Bleu {

    /** Scores (percent) by name, selection metric first; predictions and references aligned. */
    Map<String, Double> score(List<String> predictions, List<String> references);

    /** The key of {@link #score} that selects checkpoints. */
    String selectBy();

    /** Always true for ROUGE and BLEU; kept explicit so a loss-like metric could select with lower-is-better. */
    default boolean higherIsBetter() {
        return true;
    }

    /** The metric as the CLI names it: {@code rouge} or {@code bleu}. */
    static Seq2SeqMetric of(String name) {
        return switch (name) {
            case "rouge" -> new Rouge(true);
            case "bleu" -> new Bleu(true);
            default -> throw new IllegalArgumentException("unknown seq2seq metric \"" + name + "\" (rouge, bleu)");
        };
    }

    /**
     * The paper's XSum setting: rouge1, rouge2, rougeL and rougeLsum F-measures (rouge_score 0.1.2, Porter stemming
     * on, rougeLsum over newline-split lines), the plain mean over examples, in percent; selects by rouge2.
     */
    record Rouge(boolean stem) implements Seq2SeqMetric {
        public Map<String, Double> score(List<String> predictions, List<String> references) {
            check(predictions, references);
            RougeScorer scorer = new RougeScorer(stem);
            List<Map<RougeType, RougeScore>> all = new ArrayList<>(predictions.size());
            for (int i = 0; i < predictions.size(); i++) all.add(scorer.score(references.get(i), predictions.get(i)));
            Map<RougeType, RougeScore> mean = RougeScorer.mean(all);
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("rouge2", 100 * f(mean, RougeType.ROUGE2));
            out.put("rouge1", 100 * f(mean, RougeType.ROUGE1));
            out.put("rougeL", 100 * f(mean, RougeType.ROUGE_L));
            out.put("rougeLsum", 100 * f(mean, RougeType.ROUGE_LSUM));
            return out;
        }

        private static double f(Map<RougeType, RougeScore> m, RougeType t) {
            RougeScore s = m.get(t);
            return s == null ? 0 : s.fmeasure();
        }

        public String selectBy() {
            return "rouge2";
        }
    }

    /**
     * The paper's WMT16 en-ro setting: corpus BLEU with {@code tok none} on Romanian-normalised, diacritics-removed
     * text ({@code bleu}, selects), and sacreBLEU's defaults (13a, raw text) beside it ({@code sacrebleu}).
     *
     * @param romanian apply the WMT16 Romanian post-processing (normalise-romanian + remove-diacritics) first
     */
    record Bleu(boolean romanian) implements Seq2SeqMetric {
        public Map<String, Double> score(List<String> predictions, List<String> references) {
            check(predictions, references);
            List<List<String>> refs = references.stream().map(List::of).toList();
            BleuConfig paper = BleuConfig.corpusDefaults().withTokenizer(BleuTokenizer.None.INSTANCE).withRomanianNormalize(romanian);
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("bleu", new org.petl.eval.bleu.Bleu(paper).corpusScore(predictions, refs).score());
            out.put("sacrebleu", new org.petl.eval.bleu.Bleu(BleuConfig.corpusDefaults()).corpusScore(predictions, refs).score());
            return out;
        }

        public String selectBy() {
            return "bleu";
        }
    }

    private static void check(List<String> predictions, List<String> references) {
        if (predictions.size() != references.size())
            throw new IllegalArgumentException(predictions.size() + " predictions but " + references.size() + " references");
        if (predictions.isEmpty()) throw new IllegalArgumentException("no predictions to score");
    }
}
