package org.petl.suite;

import java.util.List;

/**
 * One (task, model, method, grid point) over its seeds.
 *
 * @param values   the metric of each finished seed, in seed order
 * @param ciLow    bootstrap 95% interval of the mean over seeds (petl-eval's {@code Bootstrap}); NaN unless asked
 * @param reasons  one-line reasons of the failed seeds
 */
public record Summary(String task, String model, String label, String spec, String hyperKey, int n, int failed, double median, double mean,
                      double std, double ciLow, double ciHigh, double trainablePercent, long trainable, List<Double> values, List<String> reasons) {
}
