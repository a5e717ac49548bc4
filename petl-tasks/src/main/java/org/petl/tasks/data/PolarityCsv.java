package org.petl.tasks.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Reader for the Pang &amp; Lee sentence-polarity sample shipped in Debian's {@code python3-pattern}
 * ({@code test/corpora/polarity-en-pang&lee2.csv}): 4,000 lower-cased, tokenised movie-review sentences,
 * 2,000 labelled {@code 1} (positive, the first half of the file) and 2,000 {@code -1} (negative).
 *
 * <p>The real format, as inspected: RFC-4180 CSV, every field double-quoted, {@code ""} for a literal quote,
 * two fields {@code "label","sentence"}; each sentence ends with an embedded line feed inside its quotes
 * (so one record spans two physical lines), records end with CRLF, the first line starts with a UTF-8 BOM,
 * and the last record has no terminator. This reader is a small RFC-4180 parser (quoted fields may span lines,
 * LF or CRLF terminators, {@code .csv.gz} read transparently); errors name the physical line where the
 * offending record starts.
 *
 * <p>Labels: {@code -1} maps to 0 = negative, {@code 1} to 1 = positive (the SST-2 convention). The sentence
 * is stripped of the surrounding whitespace and the trailing line feed.
 */
public final class PolarityCsv {

    public static final List<String> LABELS = List.of("negative", "positive");
    /** Seed of the {@link java.util.Random} that shuffles each class before the 80/10/10 cut. Never change it. */
    public static final long SPLIT_SEED = 13L;

    private PolarityCsv() {
    }

    public static Dataset read(Path csv) {
        String content;
        try (BufferedReader r = DataFiles.open(csv)) {
            StringBuilder sb = new StringBuilder(1 << 20);
            char[] buf = new char[1 << 16];
            for (int n; (n = r.read(buf)) > 0; ) sb.append(buf, 0, n);
            content = DataFiles.stripBom(sb.toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new DataFormatException(csv + ": not valid UTF-8 (petl reads data files as UTF-8)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv + ": " + e.getMessage(), e);
        }
        List<Example> examples = new ArrayList<>();
        for (Record rec : parse(csv, content)) {
            if (rec.fields.size() != 2) {
                throw DataFormatException.at(csv, rec.line, "expected 2 comma-separated fields (label,sentence), found " + rec.fields.size());
            }
            String lab = rec.fields.get(0).strip();
            int label = switch (lab) {
                case "1", "+1" -> 1;
                case "-1" -> 0;
                default -> throw DataFormatException.at(csv, rec.line, "label must be 1 or -1, found \"" + lab + "\"");
            };
            String text = rec.fields.get(1).strip();
            if (text.isEmpty()) throw DataFormatException.at(csv, rec.line, "empty sentence");
            examples.add(Example.single(text, label));
        }
        if (examples.isEmpty()) throw new DataFormatException(csv + ": no rows; is this the polarity CSV?");
        return new Dataset("polarity", examples, LABELS, DataFiles.provenance(csv));
    }

    /**
     * The fixed 80/10/10 split, stratified so each split keeps the class balance: the indices of each class
     * (in file order) are shuffled by Fisher-Yates with {@code new Random(13)} (one generator, negative class
     * first, then positive; {@code j = rnd.nextInt(i + 1)} for {@code i} from n-1 down to 1), then the first
     * {@code floor(n/10)} go to test, the next {@code floor(n/10)} to dev, the rest to train. Within each split the
     * examples are kept in file order (the trainer shuffles per epoch). On the 4,000-sentence file this gives
     * train 3,200 (1,600 per class), dev 400 (200/200), test 400 (200/200).
     */
    public static TaskData split(Dataset all) {
        Random rnd = new Random(SPLIT_SEED);
        List<Integer> train = new ArrayList<>(), dev = new ArrayList<>(), test = new ArrayList<>();
        for (int c = 0; c < all.numLabels(); c++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) if (all.get(i).label() == c) idx.add(i);
            for (int i = idx.size() - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                Integer t = idx.get(i);
                idx.set(i, idx.get(j));
                idx.set(j, t);
            }
            int tenth = idx.size() / 10;
            test.addAll(idx.subList(0, tenth));
            dev.addAll(idx.subList(tenth, 2 * tenth));
            train.addAll(idx.subList(2 * tenth, idx.size()));
        }
        String base = all.name();
        return new TaskData(base, pick(all, base + "/train", train), pick(all, base + "/dev", dev),
                Map.of("test", pick(all, base + "/test", test)));
    }

    /** Reads and splits: the {@code polarity} task. */
    public static TaskData load(Path csv) {
        return split(read(csv));
    }

    private static Dataset pick(Dataset all, String name, List<Integer> idx) {
        idx.sort(Comparator.naturalOrder());
        List<Example> ex = new ArrayList<>(idx.size());
        for (int i : idx) ex.add(all.get(i));
        return all.subset(name, ex);
    }

    private record Record(long line, List<String> fields) {
    }

    /** RFC-4180: fields separated by commas, records by LF or CRLF; quoted fields may hold commas, quotes ("") and line breaks. */
    static List<Record> parse(Path file, String s) {
        List<Record> out = new ArrayList<>();
        int i = 0, n = s.length();
        long line = 1;
        while (i < n) {
            // skip blank lines between records
            if (s.charAt(i) == '\n') { i++; line++; continue; }
            if (s.charAt(i) == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') { i += 2; line++; continue; }
            long start = line;
            List<String> fields = new ArrayList<>(2);
            while (true) {
                StringBuilder f = new StringBuilder();
                if (i < n && s.charAt(i) == '"') {
                    i++;
                    while (true) {
                        if (i >= n) throw DataFormatException.at(file, start, "unterminated quoted field");
                        char c = s.charAt(i);
                        if (c == '"') {
                            if (i + 1 < n && s.charAt(i + 1) == '"') { f.append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        if (c == '\n') line++;
                        f.append(c);
                        i++;
                    }
                    if (i < n && !atFieldEnd(s, i)) {
                        throw DataFormatException.at(file, line, "unexpected character '" + s.charAt(i) + "' after a closing quote");
                    }
                } else {
                    while (i < n && !atFieldEnd(s, i)) {
                        if (s.charAt(i) == '"') throw DataFormatException.at(file, line, "quote inside an unquoted field");
                        f.append(s.charAt(i++));
                    }
                }
                fields.add(f.toString());
                if (i < n && s.charAt(i) == ',') { i++; continue; }
                // end of record: consume the terminator
                if (i < n && s.charAt(i) == '\r') i++;
                if (i < n && s.charAt(i) == '\n') { i++; line++; }
                break;
            }
            out.add(new Record(start, fields));
        }
        return out;
    }

    private static boolean atFieldEnd(String s, int i) {
        char c = s.charAt(i);
        return c == ',' || c == '\n' || (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n');
    }
}
