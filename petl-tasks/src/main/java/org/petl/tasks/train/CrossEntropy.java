package org.petl.tasks.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reference cross entropy with label smoothing, computed in double on the host, to check the graph's loss against.
 * Semantics of PyTorch {@code CrossEntropyLoss(label_smoothing=ε, reduction='mean', ignore_index=-100)}:
 * per example {@code (1−ε)·(−log p_y) + ε·mean_k(−log p_k)} with p = softmax(logits), averaged over the
 * examples whose label is not ignored (any negative label counts as ignored).
 */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /** Mean loss over the batch; {@code logits} is [batch][classes]. NaN when every label is ignored (as PyTorch). */
    public static double labelSmoothed(double[][] logits, int[] labels, double epsilon) {
        if (logits.length != labels.length) throw new IllegalArgumentException(logits.length + " logit rows for " + labels.length + " labels");
        if (!(epsilon >= 0 && epsilon <= 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + epsilon);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (labels[i] < 0) continue;
            double[] lp = logSoftmax(logits[i]);
            if (labels[i] >= lp.length) throw new IllegalArgumentException("label " + labels[i] + " out of range for " + lp.length + " classes");
            double meanNeg = 0;
            for (double x : lp) meanNeg -= x;
            meanNeg /= lp.length;
            sum += (1 - epsilon) * -lp[labels[i]] + epsilon * meanNeg;
            n++;
        }
        return sum / n;
    }

    /** Same on an ND4J [batch, classes] array (e.g. the graph's logits output). */
    public static double labelSmoothed(INDArray logits, int[] labels, double epsilon) {
        if (logits.rank() != 2) throw new IllegalArgumentException("logits must be [batch, classes], got rank " + logits.rank());
        return labelSmoothed(logits.toDoubleMatrix(), labels, epsilon);
    }

    /** Numerically stable log-softmax of one row (max subtracted before exp). */
    public static double[] logSoftmax(double[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : row) max = Math.max(max, x);
        double s = 0;
        for (double x : row) s += Math.exp(x - max);
        double lse = max + Math.log(s);
        double[] out = new double[row.length];
        for (int k = 0; k < row.length; k++) out[k] = row[k] - lse;
        return out;
    }
}
