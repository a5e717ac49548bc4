package org.petl.tasks.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The splits of one seq2seq task: train, the dev set that checkpoint selection uses, further sets by name
 * ({@code test}), the task's metric and a one-line statement of what the reader kept and dropped.
 */
public record Seq2SeqTaskData(String task, Seq2SeqMetric metric, Seq2SeqDataset train, Seq2SeqDataset dev,
                              Map<String, Seq2SeqDataset> others, String notes) {

    public Seq2SeqTaskData {
        if (metric == null) throw new IllegalArgumentException(task + ": no metric");
        others = Collections.unmodifiableMap(new LinkedHashMap<>(others));
        notes = notes == null ? "" : notes;
    }

    /** Every split by short name (train, dev, then the others). */
    public Map<String, Seq2SeqDataset> all() {
        Map<String, Seq2SeqDataset> m = new LinkedHashMap<>();
        m.put("train", train);
        m.put("dev", dev);
        m.putAll(others);
        return m;
    }

    /** The same task with each split cut to its first n pairs (0 keeps a split whole). */
    public Seq2SeqTaskData subsample(int trainN, int devN, int otherN) {
        Map<String, Seq2SeqDataset> o = new LinkedHashMap<>();
        others.forEach((k, v) -> o.put(k, v.head(otherN)));
        return new Seq2SeqTaskData(task, metric, train.head(trainN), dev.head(devN), o, notes);
    }

    /** "train 1,000 / dev 200 / test 200" */
    public String sizes() {
        StringBuilder sb = new StringBuilder();
        all().forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " / ").append(k).append(' ').append(String.format("%,d", v.size())));
        return sb.toString();
    }
}
