package org.petl.tasks.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The splits of one task as the trainer consumes them: a training set, the dev set that model selection uses,
 * and further evaluation sets by name ({@code test} for polarity, {@code dev_mismatched} for MNLI, the unlabeled
 * {@code test} for SST-2 when present).
 */
public record TaskData(String task, Dataset train, Dataset dev, Map<String, Dataset> others) {

    public TaskData {
        if (!train.labelNames().equals(dev.labelNames())) {
            throw new DataFormatException(task + ": train and dev label names differ: " + train.labelNames() + " vs " + dev.labelNames());
        }
        if (!train.isLabeled() || !dev.isLabeled()) throw new DataFormatException(task + ": train and dev sets must be labeled");
        others = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(others));
    }

    public List<String> labelNames() {
        return train.labelNames();
    }

    public int numLabels() {
        return train.numLabels();
    }

    /** Every split by short name (train, dev, then the others), for logging and metrics.json data hashes. */
    public Map<String, Dataset> all() {
        Map<String, Dataset> m = new LinkedHashMap<>();
        m.put("train", train);
        m.put("dev", dev);
        m.putAll(others);
        return m;
    }
}
