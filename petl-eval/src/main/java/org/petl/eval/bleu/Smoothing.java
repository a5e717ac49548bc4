package org.petl.eval.bleu;

/** sacreBLEU's smoothing methods and the default value each applies when none is given. */
public enum Smoothing {
    EXP("exp", null),
    FLOOR("floor", 0.1),
    /** add-k with sacreBLEU's default k = 1 (an integer, so counts and totals stay integers). */
    ADD_K("add-k", 1.0),
    NONE("none", null);

    private final String label;
    private final Double defaultValue;

    Smoothing(String label, Double defaultValue) {
        this.label = label;
        this.defaultValue = defaultValue;
    }

    public String label() { return label; }

    public Double defaultValue() { return defaultValue; }

    public static Smoothing of(String label) {
        for (Smoothing s : values()) if (s.label.equals(label)) return s;
        throw new IllegalArgumentException("unknown smoothing '" + label + "' (supported: exp, floor, add-k, none)");
    }
}
