package org.petl.eval.bleu;

import java.util.regex.Pattern;

/**
 * sacreBLEU's tokenizers. Sealed so that adding {@code intl} or {@code zh} is one more record here
 * plus a case in {@link #of}; the scorer only needs {@link #tokenize} and {@link #signature}.
 */
public sealed interface BleuTokenizer permits BleuTokenizer.None, BleuTokenizer.Tok13a {

    /** The line after tokenization; tokens are then taken with Python's {@code str.split()}. */
    String tokenize(String line);

    /** The {@code tok:} value in the signature. */
    String signature();

    static BleuTokenizer of(String name) {
        return switch (name) {
            case "13a" -> Tok13a.INSTANCE;
            case "none" -> None.INSTANCE;
            default -> throw new IllegalArgumentException("unknown BLEU tokenizer '" + name + "' (supported: 13a, none)");
        };
    }

    /** {@code tok:none}: the line as is. */
    record None() implements BleuTokenizer {
        public static final None INSTANCE = new None();
        @Override public String tokenize(String line) { return line; }
        @Override public String signature() { return "none"; }
    }

    /** {@code tok:13a}: mteval-v13a's tokenizer as sacreBLEU 2.6.0 implements it (regex for regex). */
    record Tok13a() implements BleuTokenizer {
        public static final Tok13a INSTANCE = new Tok13a();
        // ASCII ranges { to ~, [ to `, space to &, ( to +, : to @, and /; apostrophe, '-', '.' and ',' stay attached
        private static final Pattern PUNCT = Pattern.compile("([\\x7B-\\x7E\\x5B-\\x60\\x20-\\x26\\x28-\\x2B\\x3A-\\x40/])");
        private static final Pattern PERIOD_COMMA_UNLESS_PRECEDED_BY_DIGIT = Pattern.compile("([^0-9])([.,])");
        private static final Pattern PERIOD_COMMA_UNLESS_FOLLOWED_BY_DIGIT = Pattern.compile("([.,])([^0-9])");
        private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

        @Override
        public String tokenize(String line) {
            line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
            if (line.indexOf('&') >= 0) {
                // this order is sacreBLEU's: "&amp;quot;" ends as "&quot;", not '"'
                line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
            }
            line = " " + line + " ";
            line = PUNCT.matcher(line).replaceAll(" $1 ");
            line = PERIOD_COMMA_UNLESS_PRECEDED_BY_DIGIT.matcher(line).replaceAll("$1 $2 ");
            line = PERIOD_COMMA_UNLESS_FOLLOWED_BY_DIGIT.matcher(line).replaceAll(" $1 $2");
            line = DASH_AFTER_DIGIT.matcher(line).replaceAll("$1 $2 ");
            return String.join(" ", org.petl.eval.PyStrings.split(line));
        }

        @Override public String signature() { return "13a"; }
    }
}
