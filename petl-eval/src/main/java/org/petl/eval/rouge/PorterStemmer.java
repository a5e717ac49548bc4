package org.petl.eval.rouge;

import java.util.Map;

/**
 * The Porter stemmer as NLTK 3.8 implements it in its default {@code NLTK_EXTENSIONS} mode: the
 * irregular-forms table, the 'ies'/'ied' four-letter rules, y-to-i only after a consonant, 'alli'
 * tried first in step 2, 'fulli' and the 'logi' rule, and two-letter words passed through. Other
 * Porter or Snowball variants give different stems and so different ROUGE numbers.
 *
 * <p>Stateless and thread-safe; callers that stem many tokens should cache (see {@link RougeTokenizer}).
 */
public final class PorterStemmer {

    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"),
            Map.entry("dying", "die"), Map.entry("lying", "lie"), Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** Stems one word; lowercases it first, as NLTK's {@code stem(word)} does by default. */
    public String stem(String word) {
        String w = word.toLowerCase(java.util.Locale.ROOT);
        // NLTK looks the original word up in the table but returns the entry of the lowercased one
        if (IRREGULAR.containsKey(word)) return IRREGULAR.get(w);
        if (word.length() <= 2) return w;
        w = step1a(w);
        w = step1b(w);
        w = step1c(w);
        w = step2(w);
        w = step3(w);
        w = step4(w);
        w = step5a(w);
        w = step5b(w);
        return w;
    }

    // ---- letter classes and measure ----

    private static boolean isConsonant(CharSequence w, int i) {
        char c = w.charAt(i);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') return false;
        if (c == 'y') return i == 0 || !isConsonant(w, i - 1);
        return true;
    }

    /** m in [C](VC)^m[V]: the number of vowel-consonant transitions. */
    static int measure(String stem) {
        int m = 0;
        boolean prevVowel = false;
        for (int i = 0; i < stem.length(); i++) {
            boolean cons = isConsonant(stem, i);
            if (cons && prevVowel) m++;
            prevVowel = !cons;
        }
        return m;
    }

    private static boolean positiveMeasure(String stem) { return measure(stem) > 0; }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) if (!isConsonant(stem, i)) return true;
        return false;
    }

    private static boolean endsDoubleConsonant(String w) {
        int n = w.length();
        return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
    }

    /** *o: consonant-vowel-consonant, last not w/x/y; NLTK also accepts a two-letter vowel-consonant word. */
    private static boolean endsCvc(String w) {
        int n = w.length();
        if (n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)) {
            char last = w.charAt(n - 1);
            if (last != 'w' && last != 'x' && last != 'y') return true;
        }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1);
    }

    // ---- rule lists: the first rule whose suffix matches decides, whether or not its condition holds ----

    private interface Cond { boolean test(String stem); }

    private record Rule(String suffix, String replacement, Cond cond) {}

    private static final String DOUBLE_CONSONANT = "*d";

    private static String applyRules(String word, Rule... rules) {
        for (Rule r : rules) {
            if (r.suffix == DOUBLE_CONSONANT) {
                if (endsDoubleConsonant(word)) {
                    String stem = word.substring(0, word.length() - 2);
                    return r.cond == null || r.cond.test(stem) ? stem + r.replacement : word;
                }
                continue;
            }
            if (word.endsWith(r.suffix)) {
                String stem = word.substring(0, word.length() - r.suffix.length());
                return r.cond == null || r.cond.test(stem) ? stem + r.replacement : word;
            }
        }
        return word;
    }

    private static String step1a(String w) {
        if (w.endsWith("ies") && w.length() == 4) return w.substring(0, 1) + "ie"; // dies -> die, not di
        return applyRules(w,
                new Rule("sses", "ss", null),
                new Rule("ies", "i", null),
                new Rule("ss", "ss", null),
                new Rule("s", "", null));
    }

    private static String step1b(String w) {
        if (w.endsWith("ied")) return w.substring(0, w.length() - 3) + (w.length() == 4 ? "ie" : "i");
        if (w.endsWith("eed")) {
            String stem = w.substring(0, w.length() - 3);
            return measure(stem) > 0 ? stem + "ee" : w;
        }
        String stem = null;
        for (String suffix : new String[] {"ed", "ing"}) {
            if (w.endsWith(suffix)) {
                String s = w.substring(0, w.length() - suffix.length());
                if (containsVowel(s)) {
                    stem = s;
                    break;
                }
            }
        }
        if (stem == null) return w;
        final String inter = stem;
        char last = inter.isEmpty() ? '\0' : inter.charAt(inter.length() - 1);
        return applyRules(inter,
                new Rule("at", "ate", null),
                new Rule("bl", "ble", null),
                new Rule("iz", "ize", null),
                new Rule(DOUBLE_CONSONANT, String.valueOf(last), s -> last != 'l' && last != 's' && last != 'z'),
                new Rule("", "e", s -> measure(s) == 1 && endsCvc(s)));
    }

    private static String step1c(String w) {
        // NLTK: y -> i only after a consonant that is not the whole stem ('happy' -> 'happi', 'enjoy' stays)
        return applyRules(w, new Rule("y", "i", s -> s.length() > 1 && isConsonant(s, s.length() - 1)));
    }

    private static final Cond POS = PorterStemmer::positiveMeasure;

    private static String step2(String w) {
        // NLTK applies alli -> al first and, if it fires, runs step 2 again on the result
        if (w.endsWith("alli") && positiveMeasure(w.substring(0, w.length() - 4)))
            return step2(w.substring(0, w.length() - 4) + "al");
        final String word = w;
        return applyRules(w,
                new Rule("ational", "ate", POS),
                new Rule("tional", "tion", POS),
                new Rule("enci", "ence", POS),
                new Rule("anci", "ance", POS),
                new Rule("izer", "ize", POS),
                new Rule("bli", "ble", POS),
                new Rule("alli", "al", POS),
                new Rule("entli", "ent", POS),
                new Rule("eli", "e", POS),
                new Rule("ousli", "ous", POS),
                new Rule("ization", "ize", POS),
                new Rule("ation", "ate", POS),
                new Rule("ator", "ate", POS),
                new Rule("alism", "al", POS),
                new Rule("iveness", "ive", POS),
                new Rule("fulness", "ful", POS),
                new Rule("ousness", "ous", POS),
                new Rule("aliti", "al", POS),
                new Rule("iviti", "ive", POS),
                new Rule("biliti", "ble", POS),
                new Rule("fulli", "ful", POS),
                // the 'l' stays with the stem for the measure, so 'geologi' -> 'geolog' like 'archaeologi'
                new Rule("logi", "log", s -> positiveMeasure(word.substring(0, word.length() - 3))));
    }

    private static String step3(String w) {
        return applyRules(w,
                new Rule("icate", "ic", POS),
                new Rule("ative", "", POS),
                new Rule("alize", "al", POS),
                new Rule("iciti", "ic", POS),
                new Rule("ical", "ic", POS),
                new Rule("ful", "", POS),
                new Rule("ness", "", POS));
    }

    private static final Cond M_GT_1 = s -> measure(s) > 1;

    private static String step4(String w) {
        return applyRules(w,
                new Rule("al", "", M_GT_1),
                new Rule("ance", "", M_GT_1),
                new Rule("ence", "", M_GT_1),
                new Rule("er", "", M_GT_1),
                new Rule("ic", "", M_GT_1),
                new Rule("able", "", M_GT_1),
                new Rule("ible", "", M_GT_1),
                new Rule("ant", "", M_GT_1),
                new Rule("ement", "", M_GT_1),
                new Rule("ment", "", M_GT_1),
                new Rule("ent", "", M_GT_1),
                new Rule("ion", "", s -> measure(s) > 1 && (s.endsWith("s") || s.endsWith("t"))),
                new Rule("ou", "", M_GT_1),
                new Rule("ism", "", M_GT_1),
                new Rule("ate", "", M_GT_1),
                new Rule("iti", "", M_GT_1),
                new Rule("ous", "", M_GT_1),
                new Rule("ive", "", M_GT_1),
                new Rule("ize", "", M_GT_1));
    }

    private static String step5a(String w) {
        if (w.endsWith("e")) {
            String stem = w.substring(0, w.length() - 1);
            int m = measure(stem);
            if (m > 1) return stem;
            if (m == 1 && !endsCvc(stem)) return stem;
        }
        return w;
    }

    private static String step5b(String w) {
        return applyRules(w, new Rule("ll", "l", s -> measure(w.substring(0, w.length() - 1)) > 1));
    }
}
