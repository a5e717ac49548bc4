package org.petl.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Classification accuracy (GLUE tasks; MNLI reports it per split: matched and mismatched). */
public final class Accuracy {
    private Accuracy() {}

    /** Result of one accuracy computation. */
    public record Result(int correct, int total, double accuracy) {}

    /** Fraction of positions where prediction equals label; both lists must have the same length. */
    public static <T> Result of(List<T> predictions, List<T> labels) {
        if (predictions.size() != labels.size())
            throw new IllegalArgumentException(predictions.size() + " predictions but " + labels.size() + " labels");
        if (predictions.isEmpty()) throw new IllegalArgumentException("accuracy of an empty set is undefined");
        int correct = 0;
        for (int i = 0; i < predictions.size(); i++) if (Objects.equals(predictions.get(i), labels.get(i))) correct++;
        return new Result(correct, predictions.size(), (double) correct / predictions.size());
    }

    /** Per-example 0/1 correctness, for {@link Bootstrap#meanInterval}. */
    public static <T> double[] perExample(List<T> predictions, List<T> labels) {
        if (predictions.size() != labels.size())
            throw new IllegalArgumentException(predictions.size() + " predictions but " + labels.size() + " labels");
        double[] out = new double[predictions.size()];
        for (int i = 0; i < out.length; i++) out[i] = Objects.equals(predictions.get(i), labels.get(i)) ? 1.0 : 0.0;
        return out;
    }

    /** Predictions and labels of one named split (e.g. "validation_matched"). */
    public record Split<T>(List<T> predictions, List<T> labels) {}

    /** Accuracy per named split, in the given order (e.g. MNLI-m and MNLI-mm). */
    public static <T> Map<String, Result> bySplit(Map<String, Split<T>> splits) {
        Map<String, Result> out = new LinkedHashMap<>();
        for (Map.Entry<String, Split<T>> e : splits.entrySet()) {
            try {
                out.put(e.getKey(), of(e.getValue().predictions(), e.getValue().labels()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("split '" + e.getKey() + "': " + ex.getMessage(), ex);
            }
        }
        return out;
    }
}
