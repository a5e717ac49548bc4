package org.petl.models.generate;

/** A finished beam-search hypothesis: its tokens (start token first, without the final EOS) and its score. */
public record Hypothesis(double score, int[] tokens) {
}
