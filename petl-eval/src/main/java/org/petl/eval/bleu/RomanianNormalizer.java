package org.petl.eval.bleu;

/**
 * The Romanian part of the WMT16 en-ro evaluation protocol (Sennrich's wmt16-scripts), used by the
 * paper (after mBART) before scoring with {@code tok none}.
 *
 * <p>Reproduced: {@code normalise-romanian.py} (cedilla Ş ş Ţ ţ to comma-below Ș ș Ț ț) followed by
 * {@code remove-diacritics.py} (Ș ș Ț ț Ă ă Â â Î î to S s T t A a A a I i). Applied in that order,
 * the two reduce to: both s and t variants to plain s/t, ă/â to a, î to i, upper case alike.
 *
 * <p>Not reproduced: the Moses steps that the same pipeline runs around them
 * ({@code replace-unicode-punctuation.perl}, {@code normalize-punctuation.perl -l ro},
 * {@code remove-non-printing-char.perl}, {@code tokenizer.perl -no-escape -l ro}). Scores therefore
 * match the published pipeline only where those steps are no-ops (already tokenized, ASCII punctuation).
 */
public final class RomanianNormalizer {
    private RomanianNormalizer() {}

    /** normalise-romanian.py: cedilla forms to the comma-below forms. */
    public static String normaliseRomanian(String s) {
        return s.replace('\u015E', '\u0218').replace('\u015F', '\u0219')
                .replace('\u0162', '\u021A').replace('\u0163', '\u021B');
    }

    /** remove-diacritics.py: assumes comma-below forms (run {@link #normaliseRomanian} first). */
    public static String removeDiacritics(String s) {
        return s.replace('\u0218', 'S').replace('\u0219', 's')
                .replace('\u021A', 'T').replace('\u021B', 't')
                .replace('\u0102', 'A').replace('\u0103', 'a')
                .replace('\u00C2', 'A').replace('\u00E2', 'a')
                .replace('\u00CE', 'I').replace('\u00EE', 'i');
    }

    /** Both scripts, in the pipeline's order. */
    public static String normalize(String s) {
        return removeDiacritics(normaliseRomanian(s));
    }
}
