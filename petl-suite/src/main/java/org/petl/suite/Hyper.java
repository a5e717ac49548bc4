package org.petl.suite;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hyper-parameters of one cell, with {@code petl train}'s defaults.
 *
 * @param maxSteps stop after this many optimizer steps (null: all epochs)
 * @param evalEvery steps between dev evaluations and resumable checkpoints (0: once per epoch)
 */
public record Hyper(double lr, int epochs, int batch, int gradAccum, int maxLen, Long maxSteps, int evalEvery, double warmup,
                    double weightDecay, double clip, double dropout, double labelSmoothing, String schedule, String pooling) implements Serializable {

    /** The names a suite file uses, in the order of the record. */
    public static final List<String> KEYS = List.of("lr", "epochs", "batch", "grad_accum", "max_len", "max_steps", "eval_every", "warmup",
            "weight_decay", "clip", "dropout", "label_smoothing", "schedule", "pooling");

    public static Hyper defaults() {
        return new Hyper(1e-3, 3, 32, 1, 64, null, 0, 0.06, 0.01, 1.0, 0.0, 0.0, "linear", "auto");
    }

    /** A copy with one value replaced; the value comes from a parsed suite file (number, string or null). */
    public Hyper with(String key, Object v, String where) {
        try {
            return switch (key) {
                case "lr" -> new Hyper(num(v), epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "epochs" -> new Hyper(lr, integer(v), batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "batch" -> new Hyper(lr, epochs, integer(v), gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "grad_accum" -> new Hyper(lr, epochs, batch, integer(v), maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "max_len" -> new Hyper(lr, epochs, batch, gradAccum, integer(v), maxSteps, evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "max_steps" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, v == null ? null : (long) integer(v), evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "eval_every" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, integer(v), warmup, weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "warmup" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, num(v), weightDecay, clip, dropout, labelSmoothing, schedule, pooling);
                case "weight_decay" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, num(v), clip, dropout, labelSmoothing, schedule, pooling);
                case "clip" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, num(v), dropout, labelSmoothing, schedule, pooling);
                case "dropout" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, num(v), labelSmoothing, schedule, pooling);
                case "label_smoothing" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, dropout, num(v), schedule, pooling);
                case "schedule" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, str(v), pooling);
                case "pooling" -> new Hyper(lr, epochs, batch, gradAccum, maxLen, maxSteps, evalEvery, warmup, weightDecay, clip, dropout, labelSmoothing, schedule, str(v));
                default -> throw new SuiteException(where + ": unknown hyper-parameter '" + key + "' (known: " + String.join(", ", KEYS) + ")");
            };
        } catch (IllegalArgumentException e) {
            throw new SuiteException(where + "." + key + ": " + e.getMessage());
        }
    }

    private static double num(Object v) {
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) return n.doubleValue();
        throw new IllegalArgumentException("expected a number, got " + v);
    }

    private static int integer(Object v) {
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE) return n.intValue();
        throw new IllegalArgumentException("expected a whole number, got " + v);
    }

    private static String str(Object v) {
        if (v instanceof String s && !s.isBlank()) return s;
        throw new IllegalArgumentException("expected a string, got " + v);
    }

    /** Sorted by name, for the config hash and the row key. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new TreeMap<>();
        m.put("lr", lr);
        m.put("epochs", epochs);
        m.put("batch", batch);
        m.put("grad_accum", gradAccum);
        m.put("max_len", maxLen);
        m.put("max_steps", maxSteps);
        m.put("eval_every", evalEvery);
        m.put("warmup", warmup);
        m.put("weight_decay", weightDecay);
        m.put("clip", clip);
        m.put("dropout", dropout);
        m.put("label_smoothing", labelSmoothing);
        m.put("schedule", schedule);
        m.put("pooling", pooling);
        return m;
    }

    /** What differs from the defaults, e.g. {@code lr=0.003 epochs=1}: tells grid points apart in tables. */
    public String shortKey() {
        Map<String, Object> d = defaults().toMap();
        StringBuilder b = new StringBuilder();
        for (var e : toMap().entrySet()) {
            if (!java.util.Objects.equals(e.getValue(), d.get(e.getKey()))) b.append(b.isEmpty() ? "" : " ").append(e.getKey()).append('=').append(e.getValue());
        }
        return b.toString();
    }
}
