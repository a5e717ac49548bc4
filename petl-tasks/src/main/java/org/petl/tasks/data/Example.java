package org.petl.tasks.data;

import java.util.Optional;

/**
 * One classification example: a sentence, or a sentence pair (MNLI premise/hypothesis), and a label index into
 * {@link Dataset#labelNames()}. Unlabeled examples (GLUE test files) carry {@link #UNLABELED}.
 *
 * @param text     the (first) sentence
 * @param textPair the second sentence of a pair task, or {@code null} for single-sentence tasks
 * @param label    label index, or {@link #UNLABELED}
 */
public record Example(String text, String textPair, int label) {

    public static final int UNLABELED = -1;

    public Example {
        if (text == null) throw new IllegalArgumentException("example text is null");
        if (label < UNLABELED) throw new IllegalArgumentException("label must be >= 0 or UNLABELED, got " + label);
    }

    public static Example single(String text, int label) {
        return new Example(text, null, label);
    }

    public static Example pair(String text, String textPair, int label) {
        return new Example(text, textPair, label);
    }

    public Optional<String> pair() {
        return Optional.ofNullable(textPair);
    }

    public boolean hasPair() {
        return textPair != null;
    }

    public boolean isLabeled() {
        return label != UNLABELED;
    }
}
