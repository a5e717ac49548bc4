package org.petl.core.method;

import java.util.List;
import java.util.Map;

/**
 * A named method preset: what a user types before the colon in {@code --method name:k=v,...}. Built-in presets
 * implement this; third-party jars add theirs through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.petl.core.method.MethodProvider}) and appear in {@code petl methods} without any
 * change to petl.
 */
public interface MethodProvider {

    String name();

    /** One line: what the method is (and where it comes from). */
    String summary();

    /** The parameters it accepts, with defaults, e.g. {@code r=8}, {@code s=1}. */
    List<String> parameters();

    /**
     * Builds the method. {@code args} holds exactly what the user typed; unknown keys must be rejected with
     * {@link Args#finish()}.
     */
    PetlMethod create(Args args);

    /** Typed access to {@code k=v} parameters with one-line errors naming the method and the parameter. */
    final class Args {
        private final String method;
        private final Map<String, String> values;
        private final java.util.Set<String> read = new java.util.HashSet<>();
        private final List<String> known;

        public Args(String method, Map<String, String> values, List<String> known) {
            this.method = method;
            this.values = Map.copyOf(values);
            this.known = known;
        }

        public Map<String, String> raw() {
            return values;
        }

        public boolean has(String key) {
            read.add(key);
            return values.containsKey(key);
        }

        public String string(String key, String def) {
            read.add(key);
            return values.getOrDefault(key, def);
        }

        public int positiveInt(String key, Integer def) {
            read.add(key);
            String v = values.get(key);
            if (v == null) {
                if (def == null) throw new MethodSpecException(method + ": parameter " + key + "= is required");
                return def;
            }
            int n;
            try {
                n = Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new MethodSpecException(method + ": " + key + "=" + v + " is not an integer");
            }
            if (n <= 0) throw new MethodSpecException(method + ": " + key + " must be positive, got " + n);
            return n;
        }

        public int nonNegativeInt(String key, int def) {
            read.add(key);
            String v = values.get(key);
            if (v == null) return def;
            try {
                int n = Integer.parseInt(v.trim());
                if (n < 0) throw new MethodSpecException(method + ": " + key + " must not be negative, got " + n);
                return n;
            } catch (NumberFormatException e) {
                throw new MethodSpecException(method + ": " + key + "=" + v + " is not an integer");
            }
        }

        public double number(String key, double def) {
            read.add(key);
            String v = values.get(key);
            if (v == null) return def;
            try {
                double d = Double.parseDouble(v.trim());
                if (!Double.isFinite(d)) throw new NumberFormatException();
                return d;
            } catch (NumberFormatException e) {
                throw new MethodSpecException(method + ": " + key + "=" + v + " is not a number");
            }
        }

        public List<Integer> layers() {
            read.add("layers");
            String v = values.get("layers");
            if (v == null || v.isBlank() || v.equals("all")) return List.of();
            List<Integer> out = new java.util.ArrayList<>();
            try {
                for (String part : v.split("[,;]")) {
                    String p = part.trim();
                    if (p.contains("-")) {
                        String[] ab = p.split("-");
                        for (int i = Integer.parseInt(ab[0]); i <= Integer.parseInt(ab[1]); i++) out.add(i);
                    } else {
                        out.add(Integer.parseInt(p));
                    }
                }
            } catch (RuntimeException e) {
                throw new MethodSpecException(method + ": layers=" + v + " is not a layer list like 0-5 or 0,2,4");
            }
            return out;
        }

        /** Rejects parameters the method did not read. */
        public void finish() {
            for (String k : values.keySet()) {
                if (!read.contains(k)) {
                    throw new MethodSpecException("unknown parameter '" + k + "' for method " + method + " (it takes " + String.join(", ", known) + ")");
                }
            }
        }
    }
}
