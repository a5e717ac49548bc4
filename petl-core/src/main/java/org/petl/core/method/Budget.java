package org.petl.core.method;

import java.util.Locale;

/**
 * The budget planner: the bottleneck dimension r or prefix length l that brings a method to a parameter budget
 * (% of the base model), with the same accounting as {@code petl params} ({@link ParameterReport#formula}).
 *
 * <p>Which size is solved for depends on the preset: l for {@code prefix}, {@code prompt} and {@code mhpa}; r for
 * the adapters and LoRA; r for {@code mam} with the prefix length it is given (default 30, as in the paper).
 * The size whose percentage is closest to the target wins (the smaller one on a tie).
 *
 * @param spec    a method spec {@code petl params} accepts
 * @param size    the name of the solved size ({@code r} or {@code l})
 * @param value   its value
 * @param percent the spec's formula percentage
 */
public record Budget(String architecture, String spec, String size, int value, long formula, double percent, double target) {

    /** Sizes above this are not searched (a 1024-wide model's full width is far below). */
    static final int MAX_SIZE = 1 << 20;

    /**
     * @param method a preset name with optional fixed arguments, e.g. {@code pa}, {@code pa:site=attn},
     *               {@code mam:l=16,s=2}; the solved size must not be among them
     */
    public static Budget plan(Architecture arch, String method, double targetPercent) {
        if (!(targetPercent > 0) || Double.isInfinite(targetPercent)) {
            throw new MethodSpecException("budget: --percent must be a positive number, got " + targetPercent);
        }
        String m = method.strip();
        int colon = m.indexOf(':');
        String preset = (colon < 0 ? m : m.substring(0, colon)).toLowerCase(Locale.ROOT);
        String fixed = colon < 0 ? "" : m.substring(colon + 1).strip();
        if (m.contains("+")) throw new MethodSpecException("budget: one preset at a time, got '" + method + "'");
        String size = switch (preset) {
            case "prefix", "prompt", "mhpa" -> "l";
            case "pa", "spa", "sa", "houlsby", "pfeiffer", "lora", "mam" -> "r";
            default -> throw new MethodSpecException("budget: no size to solve for in '" + preset
                    + "' (prefix, prompt, mhpa: l; pa, spa, sa, houlsby, pfeiffer, lora, mam: r)");
        };
        for (String kv : fixed.isEmpty() ? new String[0] : fixed.split(",")) {
            if (kv.strip().startsWith(size + "=")) throw new MethodSpecException("budget: '" + method + "' fixes " + size + ", the size the budget solves for");
        }
        String prefix = preset + ":" + (fixed.isEmpty() ? "" : fixed + ",") + size + "=";
        // the formula grows with the size: binary search for the first size at or above the target
        int lo = 1, hi = 1;
        while (percent(arch, prefix + hi) < targetPercent) {
            if (hi >= MAX_SIZE) throw new MethodSpecException("budget: " + targetPercent + "% is out of reach for " + preset + " on " + arch.name());
            lo = hi;
            hi = Math.min(MAX_SIZE, hi * 2);
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (percent(arch, prefix + mid) < targetPercent) lo = mid + 1;
            else hi = mid;
        }
        int best = lo;
        if (lo > 1 && Math.abs(percent(arch, prefix + (lo - 1)) - targetPercent) <= Math.abs(percent(arch, prefix + lo) - targetPercent)) best = lo - 1;
        ParameterReport r = ParameterReport.of(arch, Methods.parse(prefix + best));
        if (r.formula() == 0) throw new MethodSpecException("budget: " + preset + " adds no parameters on " + arch.name());
        return new Budget(arch.name(), prefix + best, size, best, r.formula(), r.formulaPercent(), targetPercent);
    }

    private static double percent(Architecture arch, String spec) {
        return ParameterReport.of(arch, Methods.parse(spec)).formulaPercent();
    }
}
