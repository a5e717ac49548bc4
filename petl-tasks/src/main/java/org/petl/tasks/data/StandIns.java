package org.petl.tasks.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The two real seq2seq stand-ins that {@code scripts/install-data.sh debsum l10n-en-ro} installs.
 *
 * <p><b>debsum</b> (extreme summarisation, like XSum): Debian's {@code Translation-en} index (every package's
 * {@code Description-en}: a one-line synopsis and a long description). Source = the long description (its lines
 * joined by spaces, {@code " ."} paragraph breaks included as spaces), target = the synopsis. Packages without a long
 * description are dropped; identical long descriptions are deduplicated (the first package in file order keeps
 * it). The split is by <em>source package</em> ({@code sources.tsv}: binary → source, from apt's Packages index), so
 * that {@code -dev}/{@code -doc} siblings never straddle train and test: bucket = first 4 bytes of SHA-256(source
 * package) mod 100; 0-89 train, 90-94 dev, 95-99 test. Within a split, pairs are ordered by SHA-256 of the package
 * name, so the first n of a split are a fixed pseudo-random sample.
 *
 * <p><b>l10n-en-ro</b> (translation, like WMT16 en-ro): LibreOffice's Romanian UI strings
 * ({@code libreoffice-l10n-ro}'s {@code .mo} files, parsed here): msgid English → msgstr Romanian. Kept: the
 * singular of plural entries; dropped: the header, untranslated entries, sources without a letter, pairs whose
 * Romanian equals the English (function names, codes). Cleaning, on both sides: the msgctxt is not part of the text;
 * LibreOffice's {@code ~} accelerators are removed; a GTK {@code _} mnemonic (a string's only underscore, before a
 * letter) is removed; {@code <b> <i> <u> <span…>} style tags are removed; whitespace runs (newlines, tabs) become one
 * space. Deduplicated by the cleaned English (first .mo file in name order, first entry wins). Split by SHA-256 of the
 * English string, same buckets as debsum, and ordered by that hash within a split.
 */
public final class StandIns {

    private StandIns() {
    }

    public static final String DEBSUM_INDEX = "Translation-en";
    public static final String DEBSUM_SOURCES = "sources.tsv";

    /** A stand-in's pairs before splitting: each with its split (0 train, 1 dev, 2 test), the files, what was dropped. */
    public record Corpus(String task, List<Seq2SeqExample> examples, List<Integer> split, List<Provenance> provenance, String notes) {
    }

    // ---------------------------------------------------------------- debsum

    /** One package's description from Translation-en. */
    public record Description(String pkg, String synopsis, String longDescription, long line) {
    }

    /** debsum from a folder holding {@code Translation-en} (or {@code .gz}) and, optionally, {@code sources.tsv}. */
    public static Seq2SeqTaskData loadDebsum(Path dir) {
        return split(readDebsum(dir), new Seq2SeqMetric.Rouge(true));
    }

    /** debsum's deduplicated pairs and their split. */
    public static Corpus readDebsum(Path dir) {
        Path index = firstFile(dir, DEBSUM_INDEX, DEBSUM_INDEX + ".gz");
        if (index == null) throw new DataMissingException("debsum data not found in " + dir + "; install it with: bash scripts/install-data.sh debsum");
        Path sourcesFile = firstFile(dir, DEBSUM_SOURCES, DEBSUM_SOURCES + ".gz");
        Map<String, String> sources = sourcesFile == null ? Map.of() : readSources(sourcesFile);
        List<Description> all = readTranslationIndex(index);
        int noLong = 0, dup = 0;
        Set<String> seen = new HashSet<>();
        List<Seq2SeqExample> kept = new ArrayList<>();
        List<Integer> splitOf = new ArrayList<>();
        for (Description d : all) {
            if (d.longDescription().isEmpty()) {
                noLong++;
                continue;
            }
            if (!seen.add(d.longDescription())) {
                dup++;
                continue;
            }
            String src = sources.getOrDefault(d.pkg(), d.pkg());
            kept.add(new Seq2SeqExample(d.pkg(), d.longDescription(), d.synopsis()));
            splitOf.add(bucket(src));
        }
        List<Provenance> prov = new ArrayList<>(List.of(DataFiles.provenance(index)));
        if (sourcesFile != null) prov.add(DataFiles.provenance(sourcesFile));
        String notes = String.format("%,d packages in %s; dropped %,d without a long description and %,d duplicate descriptions%s",
                all.size(), index.getFileName(), noLong, dup, sourcesFile == null ? "; no sources.tsv: split by binary package name" : "");
        return new Corpus("debsum", kept, splitOf, prov, notes);
    }

    /** Parses apt's Translation-en: stanzas of {@code Field: value} lines with space-indented continuations. */
    public static List<Description> readTranslationIndex(Path file) {
        List<String> lines = Seq2SeqFiles.lines(file);
        List<Description> out = new ArrayList<>();
        String pkg = null, synopsis = null;
        StringBuilder longDesc = new StringBuilder();
        boolean inDescription = false;
        long stanzaLine = 0;
        for (int i = 0; i <= lines.size(); i++) {
            String l = i < lines.size() ? lines.get(i) : "";
            long lineNo = i + 1;
            if (l.isBlank()) {
                if (stanzaLine != 0) {
                    if (pkg == null) throw DataFormatException.at(file, stanzaLine, "stanza without a Package field");
                    if (synopsis == null) throw DataFormatException.at(file, stanzaLine, "package " + pkg + " has no Description-en");
                    out.add(new Description(pkg, synopsis, longDesc.toString().strip(), stanzaLine));
                }
                pkg = synopsis = null;
                longDesc.setLength(0);
                inDescription = false;
                stanzaLine = 0;
                continue;
            }
            if (stanzaLine == 0) stanzaLine = lineNo;
            if (l.charAt(0) == ' ' || l.charAt(0) == '\t') {
                if (!inDescription) throw DataFormatException.at(file, lineNo, "continuation line outside a Description-en field");
                String t = l.strip();
                if (t.equals(".")) continue; // paragraph break
                if (!longDesc.isEmpty()) longDesc.append(' ');
                longDesc.append(t);
                continue;
            }
            int colon = l.indexOf(':');
            if (colon <= 0) throw DataFormatException.at(file, lineNo, "expected \"Field: value\", got \"" + abbreviate(l) + "\"");
            String field = l.substring(0, colon);
            String value = l.substring(colon + 1).strip();
            inDescription = false;
            switch (field) {
                case "Package" -> {
                    if (value.isEmpty()) throw DataFormatException.at(file, lineNo, "empty Package field");
                    pkg = value;
                }
                case "Description-en" -> {
                    if (value.isEmpty()) throw DataFormatException.at(file, lineNo, "empty synopsis in Description-en");
                    synopsis = value;
                    inDescription = true;
                }
                default -> {
                    // Description-md5 and any other field: not needed
                }
            }
        }
        return out;
    }

    /** {@code binary<TAB>source} lines (written by install-data.sh from apt's Packages index). */
    static Map<String, String> readSources(Path file) {
        Map<String, String> m = new HashMap<>();
        List<String> lines = Seq2SeqFiles.lines(file);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) continue;
            String[] f = l.split("\t", -1);
            if (f.length != 2 || f[0].isBlank() || f[1].isBlank())
                throw DataFormatException.at(file, i + 1, "expected \"binary<TAB>source\", got \"" + abbreviate(l) + "\"");
            m.put(f[0].strip(), f[1].strip());
        }
        return m;
    }

    // ---------------------------------------------------------------- l10n-en-ro

    /** One catalogue entry as the .mo file stores it (msgctxt removed, plural reduced to the singular). */
    public record MoEntry(String context, String msgid, String msgstr, int index) {
    }

    /** A parsed .mo catalogue: its header's {@code Language} (or null) and its entries in file order. */
    public record MoFile(Path file, String language, List<MoEntry> entries) {
    }

    /** Parses a GNU gettext .mo file (either byte order); malformed files are errors naming the file and entry. */
    public static MoFile readMo(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString();
        if (bytes.length < 28) throw new DataFormatException(name + ": too short for a .mo file (" + bytes.length + " bytes)");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xde120495) b.order(ByteOrder.BIG_ENDIAN);
        else if (magic != 0x950412de) throw new DataFormatException(name + ": not a .mo file (magic " + String.format("0x%08x", magic) + ")");
        int major = b.getInt(4) >>> 16;
        if (major > 1) throw new DataFormatException(name + ": unsupported .mo revision " + major);
        int n = b.getInt(8), origTable = b.getInt(12), transTable = b.getInt(16);
        if (n < 0 || origTable < 0 || transTable < 0 || (long) origTable + 8L * n > bytes.length || (long) transTable + 8L * n > bytes.length)
            throw new DataFormatException(name + ": string tables lie outside the file (" + n + " entries)");
        List<MoEntry> entries = new ArrayList<>(n);
        String language = null;
        for (int i = 0; i < n; i++) {
            String orig = moString(bytes, b, origTable + 8 * i, name, i);
            String trans = moString(bytes, b, transTable + 8 * i, name, i);
            String ctx = null;
            int eot = orig.indexOf('\u0004');
            if (eot >= 0) {
                ctx = orig.substring(0, eot);
                orig = orig.substring(eot + 1);
            }
            int nul = orig.indexOf('\0');
            if (nul >= 0) orig = orig.substring(0, nul);
            nul = trans.indexOf('\0');
            if (nul >= 0) trans = trans.substring(0, nul);
            if (orig.isEmpty() && ctx == null) {
                for (String h : trans.split("\n")) if (h.startsWith("Language:")) language = h.substring(9).strip();
                continue;
            }
            entries.add(new MoEntry(ctx, orig, trans, i));
        }
        return new MoFile(file, language, entries);
    }

    private static String moString(byte[] bytes, ByteBuffer b, int at, String name, int i) {
        int len = b.getInt(at), off = b.getInt(at + 4);
        if (len < 0 || off < 0 || (long) off + len > bytes.length)
            throw new DataFormatException(name + ": entry " + i + " points outside the file");
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(name + ": entry " + i + " is not valid UTF-8");
        }
    }

    private static final Pattern TAGS = Pattern.compile("</?(?:b|i|u|tt|big|small|sub|sup|span|a)(?:\\s[^<>]*)?/?>|<br\\s*/?>");
    private static final Pattern MNEMONIC = Pattern.compile("_(?=\\p{L})");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern LETTER = Pattern.compile("\\p{L}");

    /** UI-string cleaning for both sides (see the class comment). */
    public static String cleanUiString(String s) {
        s = s.replace("~", "");
        if (s.indexOf('_') == s.lastIndexOf('_')) s = MNEMONIC.matcher(s).replaceFirst("");
        s = TAGS.matcher(s).replaceAll("");
        return SPACES.matcher(s).replaceAll(" ").strip();
    }

    /** l10n-en-ro from a folder of Romanian .mo files (searched recursively). */
    public static Seq2SeqTaskData loadL10nEnRo(Path dir) {
        return split(readL10nEnRo(dir), new Seq2SeqMetric.Bleu(true));
    }

    /** l10n-en-ro's cleaned, deduplicated pairs and their split. */
    public static Corpus readL10nEnRo(Path dir) {
        List<Path> mos;
        if (!Files.isDirectory(dir)) throw new DataMissingException("l10n-en-ro data not found at " + dir + "; install it with: bash scripts/install-data.sh l10n-en-ro");
        try (var s = Files.walk(dir)) {
            mos = s.filter(p -> p.getFileName().toString().endsWith(".mo") && Files.isRegularFile(p))
                    .sorted(Comparator.comparing(p -> dir.relativize(p).toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (mos.isEmpty()) throw new DataMissingException("no .mo files in " + dir + "; install them with: bash scripts/install-data.sh l10n-en-ro");
        Map<String, Seq2SeqExample> byEnglish = new LinkedHashMap<>();
        int entries = 0, untranslated = 0, noLetter = 0, same = 0, dup = 0;
        List<Provenance> prov = new ArrayList<>();
        for (Path f : mos) {
            MoFile mo = readMo(f);
            if (mo.language() != null && !mo.language().isEmpty() && !mo.language().equals("ro") && !mo.language().startsWith("ro_"))
                throw new DataFormatException(f.getFileName() + ": header says Language: " + mo.language() + "; l10n-en-ro needs Romanian (ro) catalogues");
            prov.add(DataFiles.provenance(f));
            for (MoEntry e : mo.entries()) {
                entries++;
                if (e.msgstr().isEmpty()) {
                    untranslated++;
                    continue;
                }
                String en = cleanUiString(e.msgid()), ro = cleanUiString(e.msgstr());
                if (!LETTER.matcher(en).find() || ro.isEmpty()) {
                    noLetter++;
                    continue;
                }
                if (en.equals(ro)) {
                    same++;
                    continue;
                }
                if (byEnglish.containsKey(en)) {
                    dup++;
                    continue;
                }
                String id = f.getFileName() + "#" + e.index() + (e.context() == null ? "" : " " + e.context());
                byEnglish.put(en, new Seq2SeqExample(id, en, ro));
            }
        }
        List<Seq2SeqExample> kept = new ArrayList<>(byEnglish.values());
        List<Integer> splitOf = kept.stream().map(e -> bucket(e.source())).toList();
        String notes = String.format("%,d entries in %d .mo files; dropped %,d untranslated, %,d without letters, %,d identical to the English, %,d duplicate English strings",
                entries, mos.size(), untranslated, noLetter, same, dup);
        return new Corpus("l10n-en-ro", kept, splitOf, prov, notes);
    }

    // ---------------------------------------------------------------- shared

    /** 0 train, 1 dev, 2 test: first 4 bytes of SHA-256(key) as an unsigned int, mod 100: 0-89, 90-94, 95-99. */
    static int bucket(String key) {
        int b = (int) (Integer.toUnsignedLong(hashInt(key)) % 100);
        return b < 90 ? 0 : b < 95 ? 1 : 2;
    }

    private static int hashInt(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getInt();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fixed split of a corpus; each split must be non-empty. */
    public static Seq2SeqTaskData split(Corpus c, Seq2SeqMetric metric) {
        String task = c.task();
        List<Provenance> prov = c.provenance();
        String notes = c.notes();
        List<List<Seq2SeqExample>> splits = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < c.examples().size(); i++) splits.get(c.split().get(i)).add(c.examples().get(i));
        List<Seq2SeqDataset> ds = new ArrayList<>();
        String[] names = {"train", "dev", "test"};
        for (int i = 0; i < 3; i++) {
            List<Seq2SeqExample> ex = new ArrayList<>(splits.get(i));
            // a fixed pseudo-random order: the first n of a split are a fair sample (ties by id keep it total)
            ex.sort(Comparator.comparing((Seq2SeqExample e) -> Integer.toUnsignedLong(hashInt(e.id() + "\n" + e.source()))).thenComparing(Seq2SeqExample::id));
            ds.add(new Seq2SeqDataset(task + "/" + names[i], ex, prov));
        }
        return new Seq2SeqTaskData(task, metric, ds.get(0), ds.get(1), Map.of("test", ds.get(2)), notes);
    }

    private static Path firstFile(Path dir, String... names) {
        if (!Files.isDirectory(dir)) return null;
        for (String n : names) if (Files.isRegularFile(dir.resolve(n))) return dir.resolve(n);
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
