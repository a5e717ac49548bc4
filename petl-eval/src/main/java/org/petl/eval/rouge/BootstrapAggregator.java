package org.petl.eval.rouge;

import org.petl.eval.Bootstrap;
import org.petl.eval.ConfidenceInterval;
import org.petl.eval.NumpyLegacyRandom;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * rouge_score's {@code BootstrapAggregator}: low/mid/high of (precision, recall, fmeasure) per
 * ROUGE type; the paper reports mid. With seed S it draws what numpy draws after
 * {@code np.random.seed(S)}, types resampled in rouge1, rouge2, rougeL, rougeLsum order.
 */
public final class BootstrapAggregator {
    private final int nSamples;
    private final double confidence;
    private final List<Map<RougeType, RougeScore>> scores = new ArrayList<>();

    public BootstrapAggregator() {
        this(Bootstrap.DEFAULT_CONFIDENCE, Bootstrap.DEFAULT_SAMPLES);
    }

    public BootstrapAggregator(double confidence, int nSamples) {
        if (!(confidence > 0 && confidence < 1)) throw new IllegalArgumentException("confidence must be in (0, 1)");
        this.confidence = confidence;
        this.nSamples = nSamples;
    }

    public void addScores(Map<RougeType, RougeScore> s) {
        scores.add(s);
    }

    /** Low, mid and high bounds of one ROUGE type. */
    public record AggregateScore(RougeScore low, RougeScore mid, RougeScore high) {}

    public Map<RougeType, AggregateScore> aggregate(long seed) {
        NumpyLegacyRandom rng = new NumpyLegacyRandom(seed);
        Map<RougeType, AggregateScore> out = new EnumMap<>(RougeType.class);
        for (RougeType type : RougeType.values()) {
            double[][] matrix = new double[scores.size()][];
            for (int i = 0; i < matrix.length; i++) matrix[i] = scores.get(i).get(type).toArray();
            ConfidenceInterval[] ci = Bootstrap.intervals(matrix, nSamples, confidence, rng);
            out.put(type, new AggregateScore(
                    new RougeScore(ci[0].low(), ci[1].low(), ci[2].low()),
                    new RougeScore(ci[0].mid(), ci[1].mid(), ci[2].mid()),
                    new RougeScore(ci[0].high(), ci[1].high(), ci[2].high())));
        }
        return out;
    }
}
