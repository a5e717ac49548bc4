package org.petl.tasks.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolarityCsvTest {

    @TempDir
    Path tmp;

    /** The installed CSV; CI installs it with scripts/install-data.sh, so its absence is a failure with the hint. */
    static Path realCsv() {
        try {
            return Tasks.polarityCsv(System.getenv(), Path.of(System.getProperty("user.home")));
        } catch (DataMissingException e) {
            return fail(e.getMessage());
        }
    }

    @Test
    void readsTheRealPangLeeFile() {
        Dataset all = PolarityCsv.read(realCsv());
        assertEquals(4000, all.size());
        assertEquals(Map.of("negative", 2000, "positive", 2000), all.labelCounts());
        assertEquals("1b9975e7c33f487bc2187fffdc55213fdbb84bac4f6c1852b5dd40912411f53f", all.provenance().sha256());
        // the BOM is gone, "" is unescaped, the embedded trailing line feed is stripped
        Example first = all.get(0);
        assertEquals(1, first.label());
        assertTrue(first.text().startsWith("the rock is destined to be the 21st century's new \" conan \""), first.text());
        assertFalse(first.hasPair());
        assertEquals("it all feels like a monty python sketch gone horribly wrong .", all.get(3999).text());
        assertEquals(0, all.get(3999).label());
        for (Example e : all.examples()) {
            assertEquals(e.text().strip(), e.text());
            assertFalse(e.text().contains("\n"));
        }
        assertTrue(all.examples().stream().anyMatch(e -> e.text().contains("ladrón de orquídeas")), "UTF-8 decoded");
    }

    @Test
    void fixedStratifiedSplitKeepsClassBalance() {
        Dataset all = PolarityCsv.read(realCsv());
        TaskData t = PolarityCsv.split(all);
        Dataset test = t.others().get("test");
        assertEquals(3200, t.train().size());
        assertEquals(400, t.dev().size());
        assertEquals(400, test.size());
        assertEquals(Map.of("negative", 1600, "positive", 1600), t.train().labelCounts());
        assertEquals(Map.of("negative", 200, "positive", 200), t.dev().labelCounts());
        assertEquals(Map.of("negative", 200, "positive", 200), test.labelCounts());
        assertEquals(List.of("polarity/train", "polarity/dev", "polarity/test"), List.of(t.train().name(), t.dev().name(), test.name()));
        // disjoint and complete (all 4,000 sentences are distinct)
        Set<String> seen = new HashSet<>();
        for (Dataset d : t.all().values()) for (Example e : d.examples()) assertTrue(seen.add(e.text()), "in two splits: " + e.text());
        assertEquals(4000, seen.size());
        // deterministic: same split every time
        TaskData again = PolarityCsv.split(PolarityCsv.read(realCsv()));
        assertEquals(t.dev().examples(), again.dev().examples());
        assertEquals(t.train().examples(), again.train().examples());
    }

    @Test
    void loadsThroughTheRegistryByDefault() {
        TaskData t = Tasks.load(null, realCsv());
        assertEquals("polarity", t.task());
        assertEquals(List.of("negative", "positive"), t.labelNames());
    }

    @Test
    void parsesRfc4180WithBomCrlfAndEmbeddedLineBreaks() throws IOException {
        Path f = write("mini.csv", "\uFEFF\"1\",\"a \"\"quoted\"\" , comma\n\"\r\n\"-1\",\"two\nlines\"\n-1,unquoted \r\n");
        Dataset d = PolarityCsv.read(f);
        assertEquals(3, d.size());
        assertEquals(Example.single("a \"quoted\" , comma", 1), d.get(0));
        assertEquals(Example.single("two\nlines", 0), d.get(1));
        assertEquals(Example.single("unquoted", 0), d.get(2));
    }

    @Test
    void readsGzippedCopies() throws IOException {
        Path gz = tmp.resolve("p.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("\"1\",\"good\"\r\n\"-1\",\"bad\"".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(2, PolarityCsv.read(gz).size());
    }

    @Test
    void malformedRowsNameFileAndLine() throws IOException {
        // the third record starts on line 4, because the second spans two lines
        Path f = write("bad.csv", "\"1\",\"ok\"\r\n\"-1\",\"spans\ntwo\"\r\n\"1\",\"x\",\"extra\"\r\n");
        var e = assertThrows(DataFormatException.class, () -> PolarityCsv.read(f));
        assertEquals(tmp.resolve("bad.csv") + ":4: expected 2 comma-separated fields (label,sentence), found 3", e.getMessage());

        Path g = write("label.csv", "\"1\",\"ok\"\n\"0\",\"zero\"\n");
        assertEquals(tmp.resolve("label.csv") + ":2: label must be 1 or -1, found \"0\"", assertThrows(DataFormatException.class, () -> PolarityCsv.read(g)).getMessage());

        Path h = write("open.csv", "\"1\",\"ok\"\n\"-1\",\"never closed\n");
        assertEquals(tmp.resolve("open.csv") + ":2: unterminated quoted field", assertThrows(DataFormatException.class, () -> PolarityCsv.read(h)).getMessage());

        Path i = write("after.csv", "\"1\",\"ok\"x\n");
        assertEquals(tmp.resolve("after.csv") + ":1: unexpected character 'x' after a closing quote",
                assertThrows(DataFormatException.class, () -> PolarityCsv.read(i)).getMessage());
    }

    @Test
    void emptyAndOneClassFilesAreClearErrors() throws IOException {
        Path empty = write("empty.csv", "\uFEFF");
        assertEquals(tmp.resolve("empty.csv") + ": no rows; is this the polarity CSV?", assertThrows(DataFormatException.class, () -> PolarityCsv.read(empty)).getMessage());
        Path one = write("one.csv", "\"1\",\"a\"\n\"1\",\"b\"\n");
        var e = assertThrows(DataFormatException.class, () -> PolarityCsv.read(one));
        assertEquals("dataset polarity (" + tmp.resolve("one.csv") + ") has only one class (positive: 2 examples); a classifier needs at least two", e.getMessage());
    }

    @Test
    void missingDataSaysHowToInstallInOneLine() {
        var e = assertThrows(DataMissingException.class,
                () -> Tasks.resolve("polarity", null, Map.of("PETL_DATA", tmp.toString()), tmp));
        assertTrue(e.getMessage().contains("scripts/install-data.sh"), e.getMessage());
        assertTrue(e.getMessage().startsWith("polarity data not found at " + tmp.resolve("python3-pattern")), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void dataRootComesFromPetlDataOrTheCache() {
        assertEquals(Path.of("/d"), Tasks.dataRoot(Map.of("PETL_DATA", "/d"), Path.of("/home/u")));
        assertEquals(Path.of("/home/u/.cache/petl/data"), Tasks.dataRoot(Map.of(), Path.of("/home/u")));
    }

    private Path write(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }
}
