package org.petl.suite;

import java.util.List;
import java.util.Locale;

/** What a task's cells train: a classifier (the trainer of today) or a sequence-to-sequence model. */
public sealed interface TaskKind {

    String task();

    /** polarity, sst2, mnli: accuracy on dev/test. */
    record Classification(String task) implements TaskKind {
    }

    /** debsum, l10n-en-ro, xsum, wmt16-en-ro: ROUGE/BLEU, trained by the seq2seq trainer once it exists. */
    record Generation(String task) implements TaskKind {
    }

    List<String> CLASSIFICATION = List.of("polarity", "sst2", "mnli");
    List<String> GENERATION = List.of("debsum", "l10n-en-ro", "xsum", "wmt16-en-ro");

    static TaskKind of(String task, String where) {
        String t = task.strip().toLowerCase(Locale.ROOT);
        if (CLASSIFICATION.contains(t)) return new Classification(t);
        if (GENERATION.contains(t)) return new Generation(t);
        throw new SuiteException(where + ": unknown task '" + task + "' (known: " + String.join(", ", CLASSIFICATION) + ", " + String.join(", ", GENERATION) + ")");
    }
}
