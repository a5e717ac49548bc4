package org.petl.tasks.train;

/**
 * Learning-rate schedules with Hugging Face {@code transformers} semantics: {@link #lr(long)} takes the number of
 * optimizer steps already taken (0 for the first update) — the value HF's LambdaLR sees — and warms up linearly
 * from 0 to the peak over {@code warmupSteps}, then holds or decays.
 */
public sealed interface LrSchedule permits LrSchedule.Constant, LrSchedule.Linear, LrSchedule.Polynomial {

    double peakLr();

    long warmupSteps();

    /** The decay part, called only for {@code step >= warmupSteps}. */
    double afterWarmup(long step);

    default double lr(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        if (step < warmupSteps()) return peakLr() * step / Math.max(1, warmupSteps());
        return afterWarmup(step);
    }

    /** HF {@code warmup_ratio}: {@code ceil(ratio * totalSteps)} warmup steps. */
    static long warmupFromRatio(double ratio, long totalSteps) {
        if (ratio < 0 || ratio > 1) throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + ratio);
        return (long) Math.ceil(ratio * totalSteps);
    }

    /** Warmup, then the peak forever ({@code get_constant_schedule_with_warmup}). */
    record Constant(double peakLr, long warmupSteps) implements LrSchedule {
        public Constant {
            check(peakLr, warmupSteps, Long.MAX_VALUE);
        }

        public double afterWarmup(long step) {
            return peakLr;
        }
    }

    /** Warmup, then linear decay to 0 at {@code totalSteps} and 0 after ({@code get_linear_schedule_with_warmup}). */
    record Linear(double peakLr, long warmupSteps, long totalSteps) implements LrSchedule {
        public Linear {
            check(peakLr, warmupSteps, totalSteps);
        }

        public double afterWarmup(long step) {
            return peakLr * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        }
    }

    /**
     * Warmup, then {@code (peak - end) * (1 - (step - warmup)/(total - warmup))^power + end}, and {@code end} from
     * {@code totalSteps} on ({@code get_polynomial_decay_schedule_with_warmup}; power 1 and end 0 is {@link Linear}).
     */
    record Polynomial(double peakLr, long warmupSteps, long totalSteps, double power, double endLr) implements LrSchedule {
        public Polynomial {
            check(peakLr, warmupSteps, totalSteps);
            if (!(power > 0)) throw new IllegalArgumentException("power must be > 0, got " + power);
            if (!(endLr >= 0 && endLr <= peakLr)) throw new IllegalArgumentException("end lr must be in [0, peak], got " + endLr);
        }

        public double afterWarmup(long step) {
            if (step >= totalSteps) return endLr;
            double remaining = 1.0 - (double) (step - warmupSteps) / (totalSteps - warmupSteps);
            return (peakLr - endLr) * Math.pow(remaining, power) + endLr;
        }
    }

    private static void check(double peak, long warmup, long total) {
        if (!(peak > 0) || Double.isInfinite(peak)) throw new IllegalArgumentException("peak lr must be positive, got " + peak);
        if (warmup < 0) throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmup);
        if (total <= 0 || warmup > total) {
            throw new IllegalArgumentException("need 0 <= warmup (" + warmup + ") <= total steps (" + total + ") and total > 0");
        }
    }
}
