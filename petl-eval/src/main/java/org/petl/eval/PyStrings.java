package org.petl.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} semantics that the reference metrics rely on. Java's own notions differ:
 * {@link Character#isWhitespace} excludes U+00A0/U+202F, and {@code String.format("%.2f")} rounds
 * half-up on a decimal string where Python rounds the exact binary value half-to-even.
 */
public final class PyStrings {
    private PyStrings() {}

    /** Python's {@code str.isspace()} set (what {@code split()}/{@code rstrip()} use), all in the BMP. */
    public static boolean isSpace(char c) {
        if (c <= 0x20) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
        if (c < 0x85) return false;
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** {@code str.split()} with no argument: split on runs of Python whitespace, no empty tokens. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int n = s.length(), i = 0;
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) i++;
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) i++;
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /** {@code str.rstrip()} with no argument. */
    public static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) end--;
        return s.substring(0, end);
    }

    /**
     * {@code str.lower()}: full Unicode lowercasing. Locale.ROOT matches Python for the special
     * cases that matter here ('İ' becomes "i̇", two chars; final sigma is context sensitive in both).
     */
    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** Python's {@code f"{x:.{digits}f}"}: exact binary value rounded half-to-even. */
    public static String fixed(double x, int digits) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        String s = new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
        // BigDecimal drops the sign of negative values that round to zero; Python keeps it
        if ((x < 0 || (x == 0 && 1 / x < 0)) && !s.startsWith("-")) s = "-" + s;
        return s;
    }
}
