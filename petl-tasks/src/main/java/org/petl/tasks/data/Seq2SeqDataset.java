package org.petl.tasks.data;

import java.util.List;
import java.util.function.Predicate;

/**
 * A named, immutable, non-empty list of seq2seq pairs and the files it was read from (every file's SHA-256).
 *
 * @param name       e.g. {@code debsum/train}
 * @param examples   in file order unless the task's split says otherwise
 * @param provenance every source file the split depends on
 */
public record Seq2SeqDataset(String name, List<Seq2SeqExample> examples, List<Provenance> provenance) {

    public Seq2SeqDataset {
        examples = List.copyOf(examples);
        provenance = List.copyOf(provenance);
        if (provenance.isEmpty()) throw new IllegalArgumentException("dataset " + name + " has no provenance");
        if (examples.isEmpty()) throw new DataFormatException("dataset " + name + " (" + provenance.get(0).source().getFileName() + ") is empty");
    }

    public int size() {
        return examples.size();
    }

    public Seq2SeqExample get(int i) {
        return examples.get(i);
    }

    /** The first {@code n} examples (all when {@code n <= 0} or {@code n >= size()}): honest subsampling, stated by size. */
    public Seq2SeqDataset head(int n) {
        if (n <= 0 || n >= size()) return this;
        return new Seq2SeqDataset(name, examples.subList(0, n), provenance);
    }

    /** The examples that pass {@code keep}, under the same name and provenance. */
    public Seq2SeqDataset filter(Predicate<Seq2SeqExample> keep) {
        return new Seq2SeqDataset(name, examples.stream().filter(keep).toList(), provenance);
    }

    @Override
    public String toString() {
        return name + ": " + size() + " pairs from " + provenance;
    }
}
