package org.petl.eval;

/** A bootstrap interval: low and high bounds and the median (mid) of the resampled means. */
public record ConfidenceInterval(double low, double mid, double high) {}
