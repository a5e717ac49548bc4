package org.petl.tasks.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The file layouts that XSum and WMT16 en-ro users have, read with {@code file:line: what} errors:
 * <ul>
 *   <li>XSum as Hugging Face datasets writes it: JSON lines {@code {"document": …, "summary": …, "id": …}} in
 *       {@code train.jsonl}, {@code validation.jsonl}, {@code test.jsonl} (or {@code .json}, optionally {@code .gz});
 *       or the split {@code train.source}/{@code train.target}, {@code val.source}/… files of the paper's scripts.</li>
 *   <li>WMT16 en-ro as Hugging Face writes it: {@code {"translation": {"en": …, "ro": …}}} per line in the same
 *       file names; or plain parallel text {@code train.en}/{@code train.ro}, {@code validation|valid|dev|val|newsdev2016},
 *       {@code test|newstest2016}; or {@code .source}/{@code .target} (English source, Romanian target).</li>
 * </ul>
 * Splits map to {@code train}, {@code dev} (HF's {@code validation}) and {@code test}; only train and dev are required.
 */
public final class Seq2SeqFiles {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TRAIN = List.of("train");
    static final List<String> DEV = List.of("validation", "valid", "dev", "val", "newsdev2016");
    static final List<String> TEST = List.of("test", "newstest2016");
    private static final List<String> JSON_EXT = List.of(".jsonl", ".json", ".jsonl.gz", ".json.gz");

    private Seq2SeqFiles() {
    }

    /** XSum from {@code dir}: HF JSON lines if present, else .source/.target pairs. */
    public static Seq2SeqTaskData loadXsum(Path dir) {
        return load("xsum", dir, new Seq2SeqMetric.Rouge(true), Layout.XSUM);
    }

    /** WMT16 en-ro from {@code dir}: HF JSON lines, plain .en/.ro, or .source/.target. */
    public static Seq2SeqTaskData loadWmt16EnRo(Path dir) {
        return load("wmt16-en-ro", dir, new Seq2SeqMetric.Bleu(true), Layout.WMT);
    }

    private enum Layout { XSUM, WMT }

    private static Seq2SeqTaskData load(String task, Path dir, Seq2SeqMetric metric, Layout layout) {
        if (dir == null) throw new IllegalArgumentException(task + " needs --data DIR");
        if (!Files.isDirectory(dir)) throw new DataMissingException(task + ": --data " + dir + " is not a folder");
        Map<String, Seq2SeqDataset> splits = new LinkedHashMap<>();
        Map<String, List<String>> stems = new LinkedHashMap<>();
        stems.put("train", TRAIN);
        stems.put("dev", DEV);
        stems.put("test", TEST);
        stems.forEach((split, names) -> {
            Seq2SeqDataset ds = readSplit(task, dir, split, names, layout);
            if (ds != null) splits.put(split, ds);
        });
        String expected = layout == Layout.XSUM
                ? "train.jsonl + validation.jsonl (HF datasets) or train.source/.target + val.source/.target"
                : "train.jsonl + validation.jsonl (HF datasets), train.en/.ro + validation.en/.ro, or train.source/.target + val.source/.target";
        for (String need : List.of("train", "dev")) {
            if (!splits.containsKey(need)) throw new DataMissingException(task + ": no " + need + " split in " + dir + " (expected " + expected + ")");
        }
        Map<String, Seq2SeqDataset> others = new LinkedHashMap<>();
        if (splits.containsKey("test")) others.put("test", splits.get("test"));
        return new Seq2SeqTaskData(task, metric, splits.get("train"), splits.get("dev"), others, "");
    }

    private static Seq2SeqDataset readSplit(String task, Path dir, String split, List<String> stems, Layout layout) {
        for (String stem : stems) {
            for (String ext : JSON_EXT) {
                Path f = dir.resolve(stem + ext);
                if (Files.isRegularFile(f)) {
                    List<Seq2SeqExample> ex = layout == Layout.XSUM ? readXsumJsonl(f) : readTranslationJsonl(f, "en", "ro");
                    return new Seq2SeqDataset(task + "/" + split, ex, List.of(DataFiles.provenance(f)));
                }
            }
        }
        List<String[]> pairs = new ArrayList<>();
        if (layout == Layout.WMT) pairs.add(new String[]{".en", ".ro"});
        pairs.add(new String[]{".source", ".target"});
        for (String stem : stems) {
            for (String[] p : pairs) {
                Path src = dir.resolve(stem + p[0]);
                Path tgt = dir.resolve(stem + p[1]);
                if (Files.isRegularFile(src) || Files.isRegularFile(tgt)) {
                    if (layout == Layout.WMT && !(Files.isRegularFile(src) && Files.isRegularFile(tgt))) checkLanguagePair(task, dir, stems);
                    if (!Files.isRegularFile(tgt)) throw new DataMissingException(task + ": " + src.getFileName() + " has no " + tgt.getFileName() + " beside it in " + dir);
                    if (!Files.isRegularFile(src)) throw new DataMissingException(task + ": " + tgt.getFileName() + " has no " + src.getFileName() + " beside it in " + dir);
                    return new Seq2SeqDataset(task + "/" + split, readParallel(src, tgt),
                            List.of(DataFiles.provenance(src), DataFiles.provenance(tgt)));
                }
            }
        }
        if (layout == Layout.WMT) checkLanguagePair(task, dir, stems);
        return null;
    }

    /** Parallel files for another language pair (train.de/train.en) get a clear error instead of "no train split". */
    private static void checkLanguagePair(String task, Path dir, List<String> stems) {
        try (var s = Files.list(dir)) {
            List<String> found = new ArrayList<>();
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                int dot = n.lastIndexOf('.');
                if (dot > 0 && stems.contains(n.substring(0, dot)) && n.length() - dot - 1 == 2) found.add(n);
            }
            if (!found.isEmpty()) throw new DataFormatException(task + ": " + dir + " holds " + String.join(", ", found)
                    + "; the language pair must be en-ro (" + stems.get(0) + ".en and " + stems.get(0) + ".ro)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** HF XSum rows: {@code document} and {@code summary} non-empty strings, {@code id} a string or number if present. */
    public static List<Seq2SeqExample> readXsumJsonl(Path file) {
        List<Seq2SeqExample> out = new ArrayList<>();
        forEachJsonLine(file, (line, node) -> {
            String doc = text(file, line, node, "document");
            String sum = text(file, line, node, "summary");
            JsonNode id = node.get("id");
            if (id != null && !id.isTextual() && !id.isNumber()) throw DataFormatException.at(file, line, "\"id\" must be a string or a number");
            out.add(new Seq2SeqExample(id == null ? file.getFileName() + ":" + line : id.asText(), doc, sum));
        });
        return out;
    }

    /** HF translation rows {@code {"translation": {SRC: …, TGT: …}}}; another language pair is a file:line error. */
    public static List<Seq2SeqExample> readTranslationJsonl(Path file, String src, String tgt) {
        List<Seq2SeqExample> out = new ArrayList<>();
        forEachJsonLine(file, (line, node) -> {
            JsonNode tr = node.get("translation");
            if (tr == null || !tr.isObject()) throw DataFormatException.at(file, line, "no \"translation\" object (expected {\"translation\": {\"" + src + "\": …, \"" + tgt + "\": …}})");
            if (!tr.has(src) || !tr.has(tgt)) {
                List<String> langs = new ArrayList<>();
                tr.fieldNames().forEachRemaining(langs::add);
                throw DataFormatException.at(file, line, "language pair " + String.join("-", langs) + ", expected " + src + "-" + tgt);
            }
            out.add(new Seq2SeqExample(file.getFileName() + ":" + line, text(file, line, tr, src), text(file, line, tr, tgt)));
        });
        return out;
    }

    /** Line i of {@code src} pairs with line i of {@code tgt}; empty lines and unequal line counts are errors. */
    public static List<Seq2SeqExample> readParallel(Path src, Path tgt) {
        List<String> s = lines(src);
        List<String> t = lines(tgt);
        if (s.size() != t.size()) {
            throw new DataFormatException(src.getFileName() + " has " + s.size() + " lines but " + tgt.getFileName() + " has " + t.size()
                    + "; parallel files need one line per pair (" + tgt.getFileName() + ":" + (Math.min(s.size(), t.size()) + 1) + " is the first unpaired line)");
        }
        List<Seq2SeqExample> out = new ArrayList<>(s.size());
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i).isBlank()) throw DataFormatException.at(src, i + 1, "empty source line");
            if (t.get(i).isBlank()) throw DataFormatException.at(tgt, i + 1, "empty target line");
            out.add(new Seq2SeqExample(src.getFileName() + ":" + (i + 1), s.get(i).strip(), t.get(i).strip()));
        }
        return out;
    }

    /** The file's lines (split on \\n, a trailing \\r dropped), each strictly UTF-8, so a bad byte names its own line. */
    static List<String> lines(Path file) {
        byte[] bytes;
        try (java.io.InputStream in = file.getFileName().toString().endsWith(".gz")
                ? new java.util.zip.GZIPInputStream(Files.newInputStream(file), 1 << 16) : Files.newInputStream(file)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        var dec = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            int stop = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            try {
                String l = dec.decode(java.nio.ByteBuffer.wrap(bytes, start, stop - start)).toString();
                out.add(out.isEmpty() ? DataFiles.stripBom(l) : l);
            } catch (CharacterCodingException e) {
                throw DataFormatException.at(file, out.size() + 1, "not valid UTF-8");
            }
            start = end + 1;
        }
        return out;
    }

    interface RowHandler {
        void row(long line, JsonNode node);
    }

    static void forEachJsonLine(Path file, RowHandler h) {
        List<String> ls = lines(file);
        for (int i = 0; i < ls.size(); i++) {
            String l = ls.get(i);
            if (l.isBlank()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(l);
            } catch (JsonProcessingException e) {
                throw DataFormatException.at(file, i + 1, "not a JSON object (" + e.getOriginalMessage() + ")");
            }
            if (node == null || !node.isObject()) throw DataFormatException.at(file, i + 1, "not a JSON object");
            h.row(i + 1, node);
        }
    }

    private static String text(Path file, long line, JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw DataFormatException.at(file, line, "no \"" + field + "\"");
        if (!v.isTextual()) throw DataFormatException.at(file, line, "\"" + field + "\" is not a string");
        String s = v.asText().strip();
        if (s.isEmpty()) throw DataFormatException.at(file, line, "empty \"" + field + "\"");
        return s;
    }
}
