package org.petl.tasks.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named, immutable list of examples with its label vocabulary and where it came from.
 * A dataset is either fully labeled or fully unlabeled (GLUE test files); a labeled one must hold at least two
 * classes, because a one-class training or dev set silently yields a useless classifier or a meaningless metric.
 *
 * @param name       e.g. {@code polarity/train}, {@code mnli/dev_matched}
 * @param examples   the examples, in file order unless a split says otherwise
 * @param labelNames label index to name (HF order for GLUE tasks)
 * @param provenance the source file and its SHA-256
 */
public record Dataset(String name, List<Example> examples, List<String> labelNames, Provenance provenance) {

    public Dataset {
        examples = List.copyOf(examples);
        labelNames = List.copyOf(labelNames);
        String where = name + " (" + provenance.source() + ")";
        if (examples.isEmpty()) throw new DataFormatException("dataset " + where + " is empty");
        if (labelNames.size() < 2) throw new DataFormatException("dataset " + where + " needs at least two label names, has " + labelNames);
        int labeled = 0;
        int[] counts = new int[labelNames.size()];
        for (Example e : examples) {
            if (e.isLabeled()) {
                if (e.label() >= labelNames.size()) {
                    throw new DataFormatException("dataset " + where + ": label " + e.label() + " out of range for " + labelNames);
                }
                labeled++;
                counts[e.label()]++;
            }
        }
        if (labeled != 0 && labeled != examples.size()) {
            throw new DataFormatException("dataset " + where + " mixes labeled and unlabeled examples (" + labeled + " of " + examples.size() + " labeled)");
        }
        if (labeled != 0) {
            int classes = 0;
            for (int c : counts) if (c > 0) classes++;
            if (classes < 2) {
                int only = 0;
                while (counts[only] == 0) only++;
                throw new DataFormatException("dataset " + where + " has only one class (" + labelNames.get(only) + ": "
                        + counts[only] + " examples); a classifier needs at least two");
            }
        }
    }

    public int size() {
        return examples.size();
    }

    public int numLabels() {
        return labelNames.size();
    }

    public boolean isLabeled() {
        return examples.get(0).isLabeled();
    }

    public boolean isPairTask() {
        return examples.get(0).hasPair();
    }

    public Example get(int i) {
        return examples.get(i);
    }

    /** Examples per label name, in label order (all zero for an unlabeled set). */
    public Map<String, Integer> labelCounts() {
        int[] counts = new int[labelNames.size()];
        for (Example e : examples) if (e.isLabeled()) counts[e.label()]++;
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) out.put(labelNames.get(i), counts[i]);
        return out;
    }

    /** The same examples and label names under another name (e.g. a split), same provenance. */
    Dataset subset(String subsetName, List<Example> subsetExamples) {
        return new Dataset(subsetName, subsetExamples, labelNames, provenance);
    }

    @Override
    public String toString() {
        return name + ": " + size() + " examples " + (isLabeled() ? labelCounts() : "(unlabeled)") + " from " + provenance;
    }
}
