package org.petl.tasks.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GlueTsvTest {

    @TempDir
    Path dir;

    static final String MNLI_TRAIN_HEADER = "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
            + "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label";
    static final String MNLI_DEV_HEADER = "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
            + "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label";

    static String mnliRow(int i, String s1, String s2, String gold, int extraLabels) {
        StringBuilder sb = new StringBuilder(i + "\t" + (1000 + i) + "\t" + (1000 + i) + "e\tfiction\t( " + s1 + " )\t( " + s2 + " )\t(ROOT)\t(ROOT)\t"
                + s1 + "\t" + s2);
        for (int k = 0; k < extraLabels; k++) sb.append('\t').append(gold);
        return sb.append('\t').append(gold).toString();
    }

    @Test
    void sst2TrainDevAndUnlabeledTest() throws IOException {
        write("train.tsv", "sentence\tlabel\nhide new secretions from the parental units \t0\n"
                + "contains no wit , only labored gags \t0\nthat loves its characters and communicates something \"rather\" beautiful \t1\n");
        write("dev.tsv", "sentence\tlabel\r\nit 's a charming and often affecting journey . \t1\r\nunflinchingly bleak and desperate \t0\r\n");
        write("test.tsv", "index\tsentence\n0\tuneasy mishmash of styles and genres .\n1\tthis film 's relationship to actual tension is the same .\n");
        TaskData t = Tasks.load("sst2", dir);
        assertEquals("sst2", t.task());
        assertEquals(List.of("negative", "positive"), t.labelNames());
        assertEquals(Map.of("negative", 2, "positive", 1), t.train().labelCounts());
        assertEquals(Example.single("that loves its characters and communicates something \"rather\" beautiful", 1), t.train().get(2));
        assertEquals("sst2/dev", t.dev().name());
        assertEquals(2, t.dev().size());
        Dataset test = t.others().get("test");
        assertFalse(test.isLabeled());
        assertEquals(Example.single("uneasy mishmash of styles and genres .", Example.UNLABELED), test.get(0));
        assertEquals(64, t.train().provenance().sha256().length());
    }

    @Test
    void mnliColumnsByHeaderNameInHfLabelOrder() throws IOException {
        write("train.tsv", MNLI_TRAIN_HEADER + "\n"
                + mnliRow(0, "Conceptually cream skimming has two basic dimensions .", "Product and geography are what make cream skimming work .", "neutral", 1) + "\n"
                + mnliRow(1, "you know during the season", "You lose the things to the following level .", "entailment", 1) + "\n"
                + mnliRow(2, "One of our number will carry out your instructions .", "A member of my team will execute your orders .", "entailment", 1) + "\n"
                + mnliRow(3, "How do you know ?", "This information belongs to them .", "contradiction", 1) + "\n");
        write("dev_matched.tsv", MNLI_DEV_HEADER + "\n"
                + mnliRow(0, "The new rights are nice enough", "Everyone really likes the newest benefits", "neutral", 5) + "\n"
                + mnliRow(1, "This site includes a list", "The Government Executive articles are not the same", "contradiction", 5) + "\n"
                + mnliRow(2, "no gold label here", "annotators disagreed", "-", 5) + "\n");
        write("dev_mismatched.tsv", MNLI_DEV_HEADER + "\n"
                + mnliRow(0, "Your contribution helped", "Your contributions were of no help", "contradiction", 5) + "\n"
                + mnliRow(1, "The answer is yes", "The answer is affirmative", "entailment", 5) + "\n");
        TaskData t = GlueTsv.loadMnli(dir);
        assertEquals(List.of("entailment", "neutral", "contradiction"), t.labelNames());
        Example first = t.train().get(0);
        assertEquals("Conceptually cream skimming has two basic dimensions .", first.text());
        assertEquals("Product and geography are what make cream skimming work .", first.textPair());
        assertEquals(1, first.label()); // neutral
        assertEquals(0, t.train().get(1).label()); // entailment
        assertEquals(2, t.train().get(3).label()); // contradiction
        assertEquals(2, t.dev().size(), "the '-' row is skipped");
        assertEquals("mnli/dev_matched", t.dev().name());
        assertEquals(Map.of("entailment", 1, "neutral", 0, "contradiction", 1), t.others().get("dev_mismatched").labelCounts());
        assertTrue(t.train().isPairTask());
    }

    @Test
    void mnliTestFileWithoutGoldLabelIsUnlabeled() throws IOException {
        Path p = write("test_matched.tsv", "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\n"
                + "0\t1\t1e\tfiction\t()\t()\t()\t()\tA man sleeps .\tA man is awake .\n");
        Dataset d = GlueTsv.readMnli(p);
        assertFalse(d.isLabeled());
        assertEquals("A man is awake .", d.get(0).textPair());
    }

    @Test
    void malformedRowsNameFileAndLine() throws IOException {
        Path p = write("train.tsv", "sentence\tlabel\ngood\t1\nbad\t0\nthis\thas\t3\n");
        assertEquals(dir.resolve("train.tsv") + ":4: expected 2 tab-separated fields, found 3", assertThrows(DataFormatException.class, () -> GlueTsv.readSst2(p)).getMessage());
        Path q = write("dev.tsv", "sentence\tlabel\ngood\t1\nbad\tpositive\n");
        assertEquals(dir.resolve("dev.tsv") + ":3: label must be one of [0, 1], found \"positive\"", assertThrows(DataFormatException.class, () -> GlueTsv.readSst2(q)).getMessage());
        Path r = write("cols.tsv", "text\tlabel\ngood\t1\n");
        assertEquals(dir.resolve("cols.tsv") + ":1: header has no \"sentence\" column (columns: text, label)", assertThrows(DataFormatException.class, () -> GlueTsv.readSst2(r)).getMessage());
        Path s = write("m.tsv", MNLI_DEV_HEADER + "\n" + mnliRow(0, "a", "b", "maybe", 5) + "\n");
        assertEquals(dir.resolve("m.tsv") + ":2: gold_label must be one of [contradiction, entailment, neutral], found \"maybe\"",
                assertThrows(DataFormatException.class, () -> GlueTsv.readMnli(s)).getMessage());
    }

    @Test
    void emptyAndOneClassAreClearErrors() throws IOException {
        Path empty = write("empty.tsv", "");
        assertEquals(dir.resolve("empty.tsv") + ": empty file (expected a header line)", assertThrows(DataFormatException.class, () -> GlueTsv.readSst2(empty)).getMessage());
        Path header = write("header.tsv", "sentence\tlabel\n");
        assertEquals(dir.resolve("header.tsv") + ": no examples after the header", assertThrows(DataFormatException.class, () -> GlueTsv.readSst2(header)).getMessage());
        Path one = write("train.tsv", "sentence\tlabel\na\t1\nb\t1\nc\t1\n");
        assertEquals("dataset sst2/train (" + dir.resolve("train.tsv") + ") has only one class (positive: 3 examples); a classifier needs at least two",
                assertThrows(DataFormatException.class, () -> GlueTsv.readSst2(one)).getMessage());
    }

    @Test
    void registryErrors() {
        assertEquals("sst2 needs --data DIR (the unpacked GLUE SST2 folder)",
                assertThrows(IllegalArgumentException.class, () -> Tasks.resolve("sst2", null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tasks.resolve("cola", dir)).getMessage()
                .startsWith("unknown task \"cola\"; known tasks: polarity, sst2, mnli"));
        var e = assertThrows(DataMissingException.class, () -> Tasks.load("mnli", dir));
        assertTrue(e.getMessage().startsWith("mnli: " + dir.resolve("train.tsv") + " not found"), e.getMessage());
        assertInstanceOf(Tasks.Mnli.class, Tasks.resolve("MNLI", dir));
    }

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }
}
