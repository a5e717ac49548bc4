package org.petl.eval;

import java.util.Arrays;

/**
 * Percentile bootstrap of a mean, computed the way rouge_score's {@code BootstrapAggregator} does
 * it with numpy: resample rows with replacement ({@code np.random.choice}), mean per column summed
 * row by row, then {@code np.percentile} (linear) at (1-ci)/2, 50 and 1-(1-ci)/2 percent.
 */
public final class Bootstrap {
    private Bootstrap() {}

    /** rouge_score's defaults. */
    public static final int DEFAULT_SAMPLES = 1000;
    public static final double DEFAULT_CONFIDENCE = 0.95;

    /** Interval for the mean of a per-example metric (accuracy 0/1, sentence BLEU, ...). */
    public static ConfidenceInterval meanInterval(double[] values, int nSamples, double confidence, long seed) {
        double[][] m = new double[values.length][1];
        for (int i = 0; i < values.length; i++) m[i][0] = values[i];
        return intervals(m, nSamples, confidence, new NumpyLegacyRandom(seed))[0];
    }

    /**
     * One interval per column of {@code matrix} (rows = examples). Draws from {@code rng}, so several
     * calls on one generator continue one stream, as successive aggregations do on numpy's global one.
     */
    public static ConfidenceInterval[] intervals(double[][] matrix, int nSamples, double confidence, NumpyLegacyRandom rng) {
        int rows = matrix.length;
        if (rows == 0) throw new IllegalArgumentException("cannot bootstrap an empty set");
        if (nSamples < 1) throw new IllegalArgumentException("need at least one bootstrap sample");
        int cols = matrix[0].length;
        double[][] means = new double[cols][nSamples];
        double[] sum = new double[cols];
        for (int s = 0; s < nSamples; s++) {
            int[] idx = rng.choice(rows, rows);
            Arrays.fill(sum, 0.0);
            for (int r : idx) {
                double[] row = matrix[r];
                for (int c = 0; c < cols; c++) sum[c] += row[c];
            }
            for (int c = 0; c < cols; c++) means[c][s] = sum[c] / rows;
        }
        double delta = (1 - confidence) / 2;
        // numpy.percentile receives q = 100 * [delta, 0.5, 1 - delta] and divides by 100 again
        double[] q = {(100 * delta) / 100, (100 * 0.5) / 100, (100 * (1 - delta)) / 100};
        ConfidenceInterval[] out = new ConfidenceInterval[cols];
        for (int c = 0; c < cols; c++) {
            double[] sorted = means[c];
            Arrays.sort(sorted);
            out[c] = new ConfidenceInterval(percentile(sorted, q[0]), percentile(sorted, q[1]), percentile(sorted, q[2]));
        }
        return out;
    }

    /** numpy's 'linear' quantile on sorted data, including its two-sided lerp. */
    static double percentile(double[] sorted, double quantile) {
        int n = sorted.length;
        double virtual = (n - 1) * quantile;
        double prevIdx = Math.floor(virtual);
        double gamma = virtual - prevIdx;
        int prev = (int) Math.max(0, Math.min(n - 1, prevIdx));
        int next = (int) Math.max(0, Math.min(n - 1, prevIdx + 1));
        double a = sorted[prev], b = sorted[next];
        double diff = b - a;
        return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
    }
}
