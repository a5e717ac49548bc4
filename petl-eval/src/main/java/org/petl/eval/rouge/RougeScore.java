package org.petl.eval.rouge;

/** One ROUGE value triple, as rouge_score's {@code Score}. */
public record RougeScore(double precision, double recall, double fmeasure) {

    public static final RougeScore ZERO = new RougeScore(0.0, 0.0, 0.0);

    /** rouge_score's {@code scoring.fmeasure}, in its evaluation order ((2*P)*R)/(P+R) so results are bit-identical. */
    public static RougeScore of(double precision, double recall) {
        double f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        return new RougeScore(precision, recall, f);
    }

    /** The components in rouge_score's order (precision, recall, fmeasure), for aggregation. */
    double[] toArray() { return new double[] {precision, recall, fmeasure}; }
}
