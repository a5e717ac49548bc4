package org.petl.tasks.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Readers for the GLUE TSV files (the layout of the original GLUE download, which Hugging Face's {@code glue}
 * loader also reads): a header line names the columns, fields are separated by tabs and never quoted (quotes
 * are literal text, like {@code csv.QUOTE_NONE}), every row has exactly as many fields as the header.
 * Columns are found by header name, so extra columns (MNLI's parses, dev's label1..label5) are ignored.
 * A file without the label column (the GLUE test files) is read as an unlabeled dataset.
 */
public final class GlueTsv {

    /** SST-2: 0 = negative, 1 = positive, as in the file. */
    public static final List<String> SST2_LABELS = List.of("negative", "positive");
    /**
     * MNLI in Hugging Face GLUE order: entailment = 0, neutral = 1, contradiction = 2 (the files spell the names;
     * we map them to HF's indices so checkpoints and logits line up with HF models fine-tuned on MNLI).
     */
    public static final List<String> MNLI_LABELS = List.of("entailment", "neutral", "contradiction");

    private GlueTsv() {
    }

    /** SST-2 {@code train.tsv}/{@code dev.tsv} ({@code sentence\tlabel}) or {@code test.tsv} ({@code index\tsentence}, unlabeled). */
    public static Dataset readSst2(Path tsv) {
        return read(tsv, "sst2", "sentence", null, "label", SST2_LABELS, Map.of("0", 0, "1", 1));
    }

    /**
     * MNLI {@code train.tsv}, {@code dev_matched.tsv}, {@code dev_mismatched.tsv} (columns {@code sentence1},
     * {@code sentence2}, {@code gold_label}), or a test file without {@code gold_label} (unlabeled).
     * Rows whose gold label is {@code -} (no annotator consensus, the SNLI convention) are skipped.
     */
    public static Dataset readMnli(Path tsv) {
        return read(tsv, "mnli", "sentence1", "sentence2", "gold_label", MNLI_LABELS,
                Map.of("entailment", 0, "neutral", 1, "contradiction", 2));
    }

    /** {@code sst2 --data DIR}: train.tsv and dev.tsv, plus the unlabeled test.tsv when present. */
    public static TaskData loadSst2(Path dir) {
        Path train = require(dir, "train.tsv", "sst2"), dev = require(dir, "dev.tsv", "sst2");
        Map<String, Dataset> others = new LinkedHashMap<>();
        if (Files.isRegularFile(dir.resolve("test.tsv"))) others.put("test", readSst2(dir.resolve("test.tsv")));
        return new TaskData("sst2", readSst2(train), readSst2(dev), others);
    }

    /** {@code mnli --data DIR}: train.tsv, dev_matched.tsv (model selection), dev_mismatched.tsv, and test files when present. */
    public static TaskData loadMnli(Path dir) {
        Path train = require(dir, "train.tsv", "mnli"), devM = require(dir, "dev_matched.tsv", "mnli"),
                devMm = require(dir, "dev_mismatched.tsv", "mnli");
        Map<String, Dataset> others = new LinkedHashMap<>();
        others.put("dev_mismatched", readMnli(devMm));
        for (String t : List.of("test_matched", "test_mismatched")) {
            Path p = dir.resolve(t + ".tsv");
            if (Files.isRegularFile(p)) others.put(t, readMnli(p));
        }
        return new TaskData("mnli", readMnli(train), readMnli(devM), others);
    }

    private static Path require(Path dir, String file, String task) {
        Path p = dir.resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new DataMissingException(task + ": " + p + " not found; pass --data DIR pointing at the unpacked GLUE "
                    + task.toUpperCase(java.util.Locale.ROOT) + " folder (with its .tsv files)");
        }
        return p;
    }

    private static Dataset read(Path tsv, String task, String textCol, String pairCol, String labelCol,
                                List<String> labelNames, Map<String, Integer> labelIds) {
        String base = tsv.getFileName().toString();
        boolean labelRequired = base.startsWith("train") || base.startsWith("dev");
        return read(tsv, task, textCol, pairCol, labelCol, labelNames, labelIds, labelRequired);
    }

    private static Dataset read(Path tsv, String task, String textCol, String pairCol, String labelCol,
                                List<String> labelNames, Map<String, Integer> labelIds, boolean labelRequired) {
        List<Example> examples = new ArrayList<>();
        long[] lineNo = {0};
        try (BufferedReader r = DataFiles.open(tsv)) {
            String headerLine = r.readLine();
            lineNo[0] = 1;
            if (headerLine == null) throw new DataFormatException(tsv + ": empty file (expected a header line)");
            String[] header = chomp(DataFiles.stripBom(headerLine)).split("\t", -1);
            Map<String, Integer> col = new HashMap<>();
            for (int i = 0; i < header.length; i++) col.putIfAbsent(header[i].strip(), i);
            int text = column(tsv, col, textCol, header), pair = pairCol == null ? -1 : column(tsv, col, pairCol, header);
            int label = col.getOrDefault(labelCol, -1);
            if (label < 0 && labelRequired) {
                throw DataFormatException.at(tsv, 1, "header has no \"" + labelCol + "\" column, which a training or dev file needs (columns: "
                        + String.join(", ", header) + ")");
            }
            for (String raw; (raw = r.readLine()) != null; ) {
                lineNo[0]++;
                long line0 = lineNo[0];
                String line = chomp(raw);
                if (line.isBlank()) continue;
                String[] f = line.split("\t", -1);
                if (f.length != header.length) {
                    throw DataFormatException.at(tsv, line0, "expected " + header.length + " tab-separated fields, found " + f.length);
                }
                String a = f[text].strip();
                if (a.isEmpty()) throw DataFormatException.at(tsv, line0, "empty " + textCol);
                String b = null;
                if (pair >= 0) {
                    b = f[pair].strip();
                    if (b.isEmpty()) throw DataFormatException.at(tsv, line0, "empty " + pairCol);
                }
                int y = Example.UNLABELED;
                if (label >= 0) {
                    String l = f[label].strip();
                    if (l.equals("-") && pair >= 0) continue; // no gold consensus
                    Integer id = labelIds.get(l);
                    if (id == null) {
                        throw DataFormatException.at(tsv, line0, labelCol + " must be one of " + labelIds.keySet().stream().sorted().toList()
                                + ", found \"" + l + "\"");
                    }
                    y = id;
                }
                examples.add(new Example(a, b, y));
            }
        } catch (CharacterCodingException e) {
            throw DataFormatException.at(tsv, lineNo[0] + 1, "not valid UTF-8 (petl reads data files as UTF-8)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tsv + ": " + e.getMessage(), e);
        }
        if (examples.isEmpty()) throw new DataFormatException(tsv + ": no examples after the header");
        String split = tsv.getFileName().toString().replaceFirst("\\.tsv(\\.gz)?$", "");
        return new Dataset(task + "/" + split, examples, labelNames, DataFiles.provenance(tsv));
    }

    private static int column(Path tsv, Map<String, Integer> col, String name, String[] header) {
        Integer i = col.get(name);
        if (i == null) {
            throw DataFormatException.at(tsv, 1, "header has no \"" + name + "\" column (columns: " + String.join(", ", header) + ")");
        }
        return i;
    }

    private static String chomp(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
