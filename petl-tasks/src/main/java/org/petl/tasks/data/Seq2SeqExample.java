package org.petl.tasks.data;

/**
 * One sequence-to-sequence pair: a source (document, English string) and its target (summary, translation).
 *
 * @param id     the row's id (XSum's {@code id}, a package name, a .mo msgctxt) or {@code file:line}
 * @param source non-blank source text
 * @param target non-blank target text
 */
public record Seq2SeqExample(String id, String source, String target) {

    public Seq2SeqExample {
        if (id == null || source == null || target == null) throw new IllegalArgumentException("seq2seq example needs id, source and target");
        if (source.isBlank() || target.isBlank()) throw new IllegalArgumentException("seq2seq example " + id + " has an empty source or target");
    }
}
