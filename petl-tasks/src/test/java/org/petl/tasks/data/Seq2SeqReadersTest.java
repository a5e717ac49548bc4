package org.petl.tasks.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The XSum, WMT16 en-ro, debsum and l10n-en-ro readers on small files written here in the real formats. */
class Seq2SeqReadersTest {

    @TempDir
    Path tmp;

    private Path write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    /** The error line with this test's folder taken off: row errors name the file with its folder. */
    private String msg(Runnable r) {
        DataFormatException e = assertThrows(DataFormatException.class, r::run);
        String prefix = tmp.toString() + java.io.File.separator;
        return e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
    }

    // ------------------------------------------------------------------ XSum

    @Test
    void xsumHuggingFaceJsonLines() throws IOException {
        // the layout datasets' to_json writes: one object per line, HF field order
        write("train.jsonl", """
                {"document":"The full cost of damage in Newton Stewart is still being assessed.\\nRepair work is ongoing.","summary":"Clean-up operations are continuing.","id":"35232142"}
                {"document":"A fire alarm went off at the Holiday Inn.","summary":"Two tourists have been rescued.","id":"40143035"}
                """);
        write("validation.jsonl", "{\"document\":\"Doc é\",\"summary\":\"Sum\",\"id\":\"1\"}\n");
        write("test.jsonl", "{\"document\":\"Doc t\",\"summary\":\"Sum t\",\"id\":2}\n");
        Seq2SeqTaskData d = Seq2SeqFiles.loadXsum(tmp);
        assertEquals(2, d.train().size());
        assertEquals("35232142", d.train().get(0).id());
        assertEquals("The full cost of damage in Newton Stewart is still being assessed.\nRepair work is ongoing.", d.train().get(0).source());
        assertEquals("Two tourists have been rescued.", d.train().get(1).target());
        assertEquals("Doc é", d.dev().get(0).source());
        assertEquals("2", d.others().get("test").get(0).id());
        assertInstanceOf(Seq2SeqMetric.Rouge.class, d.metric());
        assertEquals("train 2 / dev 1 / test 1", d.sizes());
        assertEquals(64, d.train().provenance().get(0).sha256().length());
    }

    @Test
    void xsumSourceTargetFiles() throws IOException {
        write("train.source", "doc one\ndoc two\n");
        write("train.target", "sum one\nsum two\n");
        write("val.source", "doc v\n");
        write("val.target", "sum v\n");
        Seq2SeqTaskData d = Seq2SeqFiles.loadXsum(tmp);
        assertEquals("doc two", d.train().get(1).source());
        assertEquals("sum two", d.train().get(1).target());
        assertEquals("train.source:2", d.train().get(1).id());
        assertEquals(1, d.dev().size());
        assertFalse(d.others().containsKey("test"));
        assertEquals(2, d.train().provenance().size());
    }

    @Test
    void xsumErrorsNameFileAndLine() throws IOException {
        write("train.jsonl", "{\"document\":\"a\",\"summary\":\"b\",\"id\":\"1\"}\n{\"document\":\"a\",\"id\":\"2\"}\n");
        write("validation.jsonl", "{\"document\":\"a\",\"summary\":\"b\"}\n");
        assertEquals("train.jsonl:2: no \"summary\"", msg(() -> Seq2SeqFiles.loadXsum(tmp)));
        write("train.jsonl", "{\"document\":\"  \",\"summary\":\"b\"}\n");
        assertEquals("train.jsonl:1: empty \"document\"", msg(() -> Seq2SeqFiles.loadXsum(tmp)));
        write("train.jsonl", "{\"document\":\"a\",\"summary\":\"b\"}\n{\"document\": \"a\"\n");
        assertTrue(msg(() -> Seq2SeqFiles.loadXsum(tmp)).startsWith("train.jsonl:2: not a JSON object"));
        write("train.jsonl", "[1,2]\n");
        assertEquals("train.jsonl:1: not a JSON object", msg(() -> Seq2SeqFiles.loadXsum(tmp)));
        write("train.jsonl", "{\"document\":3,\"summary\":\"b\"}\n");
        assertEquals("train.jsonl:1: \"document\" is not a string", msg(() -> Seq2SeqFiles.loadXsum(tmp)));
    }

    @Test
    void parallelFilesMustLineUp() throws IOException {
        write("train.source", "a\nb\nc\n");
        write("train.target", "x\ny\n");
        write("val.source", "a\n");
        write("val.target", "x\n");
        assertEquals("train.source has 3 lines but train.target has 2; parallel files need one line per pair (train.target:3 is the first unpaired line)",
                msg(() -> Seq2SeqFiles.loadXsum(tmp)));
        write("train.target", "x\n\nz\n");
        assertEquals("train.target:2: empty target line", msg(() -> Seq2SeqFiles.loadXsum(tmp)));
        Files.write(tmp.resolve("train.target"), new byte[]{'x', '\n', (byte) 0xC3, '\n', 'z', '\n'});
        assertEquals("train.target:2: not valid UTF-8", msg(() -> Seq2SeqFiles.loadXsum(tmp)));
    }

    @Test
    void missingSplitsSayWhatIsExpected() throws IOException {
        write("train.jsonl", "{\"document\":\"a\",\"summary\":\"b\"}\n");
        DataMissingException e = assertThrows(DataMissingException.class, () -> Seq2SeqFiles.loadXsum(tmp));
        assertTrue(e.getMessage().startsWith("xsum: no dev split in " + tmp), e.getMessage());
        write("val.source", "a\n");
        e = assertThrows(DataMissingException.class, () -> Seq2SeqFiles.loadXsum(tmp));
        assertEquals("xsum: val.source has no val.target beside it in " + tmp, e.getMessage());
    }

    // ------------------------------------------------------------------ WMT16 en-ro

    @Test
    void wmt16HuggingFaceJsonLines() throws IOException {
        write("train.jsonl", """
                {"translation": {"en": "Membership of Parliament: see Minutes", "ro": "Componenţa Parlamentului: a se vedea procesul-verbal"}}
                {"translation": {"ro": "Aprobarea procesului-verbal", "en": "Approval of Minutes"}}
                """);
        write("validation.jsonl", "{\"translation\": {\"en\": \"Hello\", \"ro\": \"Bună\"}}\n");
        Seq2SeqTaskData d = Seq2SeqFiles.loadWmt16EnRo(tmp);
        assertEquals("Approval of Minutes", d.train().get(1).source());
        assertEquals("Aprobarea procesului-verbal", d.train().get(1).target());
        assertEquals("Bună", d.dev().get(0).target());
        assertInstanceOf(Seq2SeqMetric.Bleu.class, d.metric());
    }

    @Test
    void wmt16WrongLanguagePair() throws IOException {
        write("train.jsonl", "{\"translation\": {\"en\": \"a\", \"ro\": \"b\"}}\n{\"translation\": {\"de\": \"a\", \"en\": \"b\"}}\n");
        write("validation.jsonl", "{\"translation\": {\"en\": \"a\", \"ro\": \"b\"}}\n");
        assertEquals("train.jsonl:2: language pair de-en, expected en-ro", msg(() -> Seq2SeqFiles.loadWmt16EnRo(tmp)));
        write("train.jsonl", "{\"en\": \"a\", \"ro\": \"b\"}\n");
        assertTrue(msg(() -> Seq2SeqFiles.loadWmt16EnRo(tmp)).startsWith("train.jsonl:1: no \"translation\" object"));
        write("train.jsonl", "{\"translation\": {\"en\": \"a\", \"ro\": \"\"}}\n");
        assertEquals("train.jsonl:1: empty \"ro\"", msg(() -> Seq2SeqFiles.loadWmt16EnRo(tmp)));
    }

    @Test
    void wmt16PlainParallelFiles() throws IOException {
        write("train.en", "Approval of Minutes\nResumption of the session\n");
        write("train.ro", "Aprobarea procesului-verbal\nReluarea sesiunii\n");
        write("newsdev2016.en", "Hi\n");
        write("newsdev2016.ro", "Salut\n");
        write("newstest2016.en", "Bye\n");
        write("newstest2016.ro", "Pa\n");
        Seq2SeqTaskData d = Seq2SeqFiles.loadWmt16EnRo(tmp);
        assertEquals("Reluarea sesiunii", d.train().get(1).target());
        assertEquals("Salut", d.dev().get(0).target());
        assertEquals("Pa", d.others().get("test").get(0).target());

        Path other = Files.createDirectory(tmp.resolve("de-en"));
        Files.writeString(other.resolve("train.de"), "a\n");
        Files.writeString(other.resolve("train.en"), "b\n");
        assertEquals("wmt16-en-ro: " + other + " holds train.de, train.en; the language pair must be en-ro (train.en and train.ro)",
                msg(() -> Seq2SeqFiles.loadWmt16EnRo(other)));
    }

    // ------------------------------------------------------------------ metrics

    @Test
    void bleuScoresRomanianWithoutDiacriticsAndSacrebleuBeside() {
        Seq2SeqMetric m = new Seq2SeqMetric.Bleu(true);
        // cedilla vs comma-below and missing diacritics: identical after the WMT16 post-processing, not before
        Map<String, Double> s = m.score(List.of("Componenta Parlamentului se vede in procesul verbal de azi"),
                List.of("Componenţa Parlamentului se vede în procesul verbal de azi"));
        assertEquals(100.0, s.get("bleu"), 1e-9);
        assertTrue(s.get("sacrebleu") < 70, s.toString());
        assertEquals("bleu", m.selectBy());
        assertEquals(List.of("bleu", "sacrebleu"), List.copyOf(s.keySet()));
    }

    @Test
    void rougeStemsAndSelectsByRouge2() {
        Seq2SeqMetric m = new Seq2SeqMetric.Rouge(true);
        Map<String, Double> s = m.score(List.of("the cats were running"), List.of("the cat was runs"));
        // stems: the cat were run / the cat wa run -> 3 of 4 unigrams, bigrams "the cat" only of 3
        assertEquals(75.0, s.get("rouge1"), 1e-9);
        assertEquals(100.0 / 3, s.get("rouge2"), 1e-9);
        assertEquals("rouge2", m.selectBy());
        Map<String, Double> raw = new Seq2SeqMetric.Rouge(false).score(List.of("the cats were running"), List.of("the cat was runs"));
        assertEquals(25.0, raw.get("rouge1"), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> m.score(List.of("a"), List.of()));
    }

    // ------------------------------------------------------------------ debsum

    private static final String TRANSLATION_EN = """
            Package: 0ad
            Description-md5: d943033bedada21853d2ae54a2578a7b
            Description-en: Real-time strategy game of ancient warfare
             0 A.D. (pronounced "zero ey-dee") is a free, open-source, cross-platform
             real-time strategy (RTS) game of ancient warfare.
             .
             It is a historically-based war/economy game.

            Package: 0ad-data
            Description-md5: 26581e685027d5ae84824362a4ba59ee
            Description-en: Real-time strategy game of ancient warfare (data files)
             0 A.D. (pronounced "zero ey-dee") is a free, open-source, cross-platform
             real-time strategy (RTS) game of ancient warfare.
             .
             It is a historically-based war/economy game.

            Package: libfoo-dev
            Description-md5: 0000
            Description-en: foo library (development files)
             Foo does bar.
             .
             This package contains the headers.

            Package: nolong
            Description-md5: 1111
            Description-en: only a synopsis
            """;

    @Test
    void debsumParsesTranslationEnDedupesAndSplitsBySourcePackage() throws IOException {
        write("debsum/Translation-en", TRANSLATION_EN);
        write("debsum/sources.tsv", "0ad\t0ad\n0ad-data\t0ad-data\nlibfoo-dev\tfoo9\n");
        StandIns.Corpus d = StandIns.readDebsum(tmp.resolve("debsum"));
        List<Seq2SeqExample> all = d.examples();
        // 0ad-data repeats 0ad's long description (dropped), nolong has none (dropped)
        assertEquals(List.of("0ad", "libfoo-dev"), all.stream().map(Seq2SeqExample::id).sorted().toList());
        Seq2SeqExample z = all.stream().filter(e -> e.id().equals("0ad")).findFirst().orElseThrow();
        assertEquals("0 A.D. (pronounced \"zero ey-dee\") is a free, open-source, cross-platform real-time strategy (RTS) game of ancient warfare. "
                + "It is a historically-based war/economy game.", z.source());
        assertEquals("Real-time strategy game of ancient warfare", z.target());
        assertEquals("4 packages in Translation-en; dropped 1 without a long description and 1 duplicate descriptions", d.notes());
        // the split follows the source package: libfoo-dev lands where source "foo" lands
        assertEquals(List.of(StandIns.bucket("0ad"), StandIns.bucket("foo9")), d.split());
        assertNotEquals(StandIns.bucket("libfoo-dev"), StandIns.bucket("foo9"), "the test needs a binary whose own bucket differs from its source's");
        assertEquals(2, d.provenance().size());
    }

    @Test
    void debsumErrorsNameFileAndLine() throws IOException {
        write("d1/Translation-en", "Package: a\nDescription-en: syn\n long\n\nPackage: b\nDescription-md5: 0\n\n");
        assertEquals("d1/Translation-en:5: package b has no Description-en", msg(() -> StandIns.loadDebsum(tmp.resolve("d1"))));
        write("d2/Translation-en", "Package: a\n stray\n");
        assertEquals("d2/Translation-en:2: continuation line outside a Description-en field", msg(() -> StandIns.loadDebsum(tmp.resolve("d2"))));
        write("d3/Translation-en", "Package: a\nDescription-en: s\n x\ngarbage line\n");
        assertEquals("d3/Translation-en:4: expected \"Field: value\", got \"garbage line\"", msg(() -> StandIns.loadDebsum(tmp.resolve("d3"))));
        write("d4/Translation-en", "Package: a\nDescription-en:\n x\n");
        assertEquals("d4/Translation-en:2: empty synopsis in Description-en", msg(() -> StandIns.loadDebsum(tmp.resolve("d4"))));
        write("d5/Translation-en", "Package: a\nDescription-en: s\n x\n");
        write("d5/sources.tsv", "a\n");
        assertEquals("d5/sources.tsv:1: expected \"binary<TAB>source\", got \"a\"", msg(() -> StandIns.loadDebsum(tmp.resolve("d5"))));
        DataMissingException e = assertThrows(DataMissingException.class, () -> StandIns.loadDebsum(tmp.resolve("none")));
        assertTrue(e.getMessage().endsWith("install it with: bash scripts/install-data.sh debsum"), e.getMessage());
    }

    // ------------------------------------------------------------------ l10n-en-ro

    /** A GNU .mo file as msgfmt writes it (little endian, revision 0, no hash table). */
    static byte[] mo(List<String[]> entries) {
        List<String[]> sorted = entries.stream().sorted((a, b) -> a[0].compareTo(b[0])).toList();
        int n = sorted.size();
        int origTable = 28, transTable = origTable + 8 * n, strings = transTable + 8 * n;
        ByteArrayOutputStream str = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(strings).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(0x950412de).putInt(0).putInt(n).putInt(origTable).putInt(transTable).putInt(0).putInt(strings);
        int[][] pos = new int[2][n];
        int[][] len = new int[2][n];
        for (int side = 0; side < 2; side++) {
            for (int i = 0; i < n; i++) {
                byte[] b = sorted.get(i)[side].getBytes(StandardCharsets.UTF_8);
                pos[side][i] = strings + str.size();
                len[side][i] = b.length;
                str.writeBytes(b);
                str.write(0);
            }
        }
        for (int side = 0; side < 2; side++) for (int i = 0; i < n; i++) head.putInt(len[side][i]).putInt(pos[side][i]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.array());
        out.writeBytes(str.toByteArray());
        return out.toByteArray();
    }

    @Test
    void l10nParsesMoFilesCleansAndDedupes() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ro"));
        Files.write(dir.resolve("a.mo"), mo(List.<String[]>of(
                new String[]{"", "Project-Id-Version: LibreOffice\nLanguage: ro\nContent-Type: text/plain; charset=UTF-8\n"},
                new String[]{"STR_UPDATEDOC\u0004~Update", "Act~ualizare"},
                new String[]{"pdfgeneralpage|emptypages\u0004Exp_ort automatically inserted blank pages", "Exp_ortă paginile albe introduse automat"},
                new String[]{"RID\u0004$1 column\0$1 columns", "$1 coloană\0$1 coloane\0$1 de coloane"},
                new String[]{"RID_X\u0004<b>Bold</b> text\nhere", "Text <b>aldin</b>\naici"},
                new String[]{"RID_FN\u0004CEILING", "CEILING"},
                new String[]{"RID_ARG\u0004%1: %2", "%1: %2"},
                new String[]{"RID_UNTR\u0004Untranslated", ""})));
        Files.write(dir.resolve("b.mo"), mo(List.<String[]>of(
                new String[]{"", "Language: ro\n"},
                new String[]{"STR_OTHER\u0004Update", "Actualizează"},
                new String[]{"RID_Y\u0004Cancel", "Anulează"})));
        StandIns.Corpus d = StandIns.readL10nEnRo(dir);
        Map<String, String> pairs = new java.util.TreeMap<>();
        d.examples().forEach(e -> pairs.put(e.source(), e.target()));
        assertEquals(Map.of(
                "Update", "Actualizare",
                "Export automatically inserted blank pages", "Exportă paginile albe introduse automat",
                "$1 column", "$1 coloană",
                "Bold text here", "Text aldin aici",
                "Cancel", "Anulează"), pairs);
        assertEquals("9 entries in 2 .mo files; dropped 1 untranslated, 1 without letters, 1 identical to the English, 1 duplicate English strings", d.notes());
        assertEquals(2, d.provenance().size());
        assertEquals(d.examples().stream().map(e -> StandIns.bucket(e.source())).toList(), d.split());
    }

    @Test
    void l10nRejectsOtherLanguagesAndBrokenFiles() throws IOException {
        Path de = Files.createDirectories(tmp.resolve("de"));
        Files.write(de.resolve("x.mo"), mo(List.<String[]>of(new String[]{"", "Language: de\n"}, new String[]{"Cancel", "Abbrechen"})));
        assertEquals("x.mo: header says Language: de; l10n-en-ro needs Romanian (ro) catalogues", msg(() -> StandIns.loadL10nEnRo(de)));
        Path bad = Files.createDirectories(tmp.resolve("bad"));
        Files.write(bad.resolve("y.mo"), "this is not a catalogue at all".getBytes(StandardCharsets.UTF_8));
        assertEquals("y.mo: not a .mo file (magic 0x73696874)", msg(() -> StandIns.loadL10nEnRo(bad)));
        byte[] cut = mo(List.<String[]>of(new String[]{"Cancel", "Anulează"}));
        Files.write(bad.resolve("y.mo"), java.util.Arrays.copyOf(cut, cut.length - 4));
        assertEquals("y.mo: entry 0 points outside the file", msg(() -> StandIns.loadL10nEnRo(bad)));
    }

    @Test
    void tasksResolveByName(@TempDir Path home) {
        assertTrue(Seq2SeqTasks.isSeq2Seq("l10n-en-ro"));
        assertTrue(Seq2SeqTasks.isSeq2Seq("WMT16-en-ro"));
        assertFalse(Seq2SeqTasks.isSeq2Seq("polarity"));
        assertEquals(home.resolve(".cache/petl/data/debsum"), Seq2SeqTasks.resolve("debsum", null, Map.of(), home).data());
        assertEquals(Path.of("/d/l10n"), Seq2SeqTasks.resolve("l10n-en-ro", null, Map.of("PETL_DATA", "/d"), home).data().resolveSibling("l10n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Seq2SeqTasks.resolve("xsum", null, Map.of(), home));
        assertTrue(e.getMessage().startsWith("xsum needs --data DIR"));
    }
}
