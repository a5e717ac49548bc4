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
        /**
         * Largest bottleneck width, prefix length or MLP width a spec may ask for: 65,536 is 16x the widest model
         * petl knows (BART-large's 4,096 FFN) and already 64M parameters per d=1024 site; anything larger is a typo
         * that would only end in an out-of-memory error.
         */
        public static final int MAX_SIZE = 1 << 16;
        /** Layer numbers a spec may name (0..MAX_LAYERS-1); no pretrained Transformer petl loads has 1,000 layers. */
        public static final int MAX_LAYERS = 1000;

        private final String method;
        private final Map<String, String> values;
        private final java.util.Set<String> read = new java.util.HashSet<>();
        private final List<String> known;

        /** The method's name (for one-line errors). */
        public String method() {
            return method;
        }

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
            return checkSize(method, key, n);
        }

        public int nonNegativeInt(String key, int def) {
            read.add(key);
            String v = values.get(key);
            if (v == null) return def;
            try {
                int n = Integer.parseInt(v.trim());
                if (n < 0) throw new MethodSpecException(method + ": " + key + " must not be negative, got " + n);
                return n == 0 ? 0 : checkSize(method, key, n);
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

        /** A size ({@code r}, {@code l}, {@code mid}) within {@link #MAX_SIZE}; {@code method} null for JSON files. */
        public static int checkSize(String method, String key, int n) {
            if (n <= 0) throw new MethodSpecException((method == null ? "" : method + ": ") + key + " must be positive, got " + n);
            if (n > MAX_SIZE) {
                throw new MethodSpecException((method == null ? "" : method + ": ") + key + "=" + n + " is larger than " + MAX_SIZE
                        + " (16x the widest model petl knows; the parameters alone would not fit in memory)");
            }
            return n;
        }

        /**
         * {@code layers=0-5}, {@code 0,2,4} or {@code all}: the layer numbers, in order, without repeats; empty means
         * every layer. An empty range ({@code 1-0}), negative numbers and numbers of {@link #MAX_LAYERS} or more are
         * refused here; numbers beyond the actual model are refused when the method meets the model.
         */
        public List<Integer> layers() {
            read.add("layers");
            String v = values.get("layers");
            if (v == null || v.isBlank() || v.equals("all")) return List.of();
            java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
            String bad = method + ": layers=" + v + " is not a layer list like 0-5 or 0,2,4";
            for (String part : v.split("[,;]", -1)) {
                String p = part.trim();
                int a, b;
                try {
                    if (p.matches("\\d+\\s*-\\s*\\d+")) {
                        String[] ab = p.split("-");
                        a = Integer.parseInt(ab[0].trim());
                        b = Integer.parseInt(ab[1].trim());
                    } else {
                        a = b = Integer.parseInt(p);
                    }
                } catch (NumberFormatException e) {
                    throw new MethodSpecException(bad);
                }
                if (a < 0) throw new MethodSpecException(bad + " (layers are numbered from 0)");
                if (b < a) throw new MethodSpecException(method + ": layers=" + p + " is an empty range (write " + b + "-" + a + "?)");
                if (b >= MAX_LAYERS) {
                    throw new MethodSpecException(method + ": layers=" + p + " asks for layer " + b + "; no model has " + MAX_LAYERS + " layers");
                }
                for (int i = a; i <= b; i++) out.add(i);
            }
            return List.copyOf(out);
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
