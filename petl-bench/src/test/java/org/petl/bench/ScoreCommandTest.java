package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code petl score bleu|rouge} end to end through PetlCli.execute, with captured stdout/stderr. */
class ScoreCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;
    private PrintStream oldOut, oldErr;
    private ByteArrayOutputStream out, err;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private JsonNode run(String... args) throws Exception {
        int rc = PetlCli.execute(args);
        assertEquals(0, rc, "exit code; stderr: " + err.toString(StandardCharsets.UTF_8));
        return JSON.readTree(out.toString(StandardCharsets.UTF_8));
    }

    private String fail(String... args) {
        int rc = PetlCli.execute(args);
        assertEquals(1, rc, "exit code; stdout: " + out.toString(StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals(1, e.lines().count(), "one-line error, got: " + e);
        return e;
    }

    @Test
    void bleuJsonl() throws Exception {
        Path f = file("d.jsonl", "{\"hypothesis\": \"The cat sat on the mat.\", \"references\": [\"The cat sat on the mat.\"]}\n"
                + "{\"hypothesis\": \"a dog\", \"references\": [\"the dog barked\"]}\n");
        JsonNode r = run("score", "bleu", "--jsonl", f.toString());
        JsonNode c = r.get("corpus");
        assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0", c.get("signature").asText());
        assertEquals(9, c.get("sys_len").asInt());
        assertEquals(10, c.get("ref_len").asInt());
        assertEquals(8, c.get("counts").get(0).asInt());
        assertTrue(c.get("formatted").asText().startsWith("BLEU = "));
        assertEquals(2, r.get("sentences").size());
        JsonNode s0 = r.get("sentences").get(0);
        assertEquals(100.00000000000004, s0.get("score").asDouble());
        assertEquals("nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0", s0.get("signature").asText());
    }

    @Test
    void bleuPlainTextTwoRefsAndOptions() throws Exception {
        Path hyp = file("hyp.txt", "Şi ţara\nbună ziua\n");
        Path r1 = file("r1.txt", "Și țara\nbuna ziua lume\n");
        Path r2 = file("r2.txt", "si tara\nziua\n");
        JsonNode r = run("score", "bleu", "--hyp", hyp.toString(), "--ref", r1.toString(), "--ref", r2.toString(),
                "--tokenize", "none", "--smooth", "floor", "--lowercase", "--ro-normalize");
        assertEquals("nrefs:2|case:lc|eff:no|tok:none|smooth:floor[0.10]|version:2.6.0", r.get("corpus").get("signature").asText());
        assertEquals(100.00000000000004, r.get("sentences").get(0).get("score").asDouble());
        assertEquals(4, r.get("corpus").get("counts").get(0).asInt());
    }

    @Test
    void rougeJsonlWithBootstrap() throws Exception {
        Path f = file("r.jsonl", "{\"target\": \"The cats are running.\", \"prediction\": \"A cat runs\"}\n"
                + "{\"target\": \"library for processes\", \"prediction\": \"process library\\nsecond line\"}\n");
        JsonNode r = run("score", "rouge", "--jsonl", f.toString(), "--stem", "--bootstrap", "50", "--seed", "3");
        assertEquals(2, r.get("pairs").size());
        JsonNode p0 = r.get("pairs").get(0).get("rouge1");
        assertEquals(2.0 / 3, p0.get("precision").asDouble());
        assertEquals(0.5, p0.get("recall").asDouble());
        for (String k : new String[] {"mean", "low", "mid", "high"})
            for (String t : new String[] {"rouge1", "rouge2", "rougeL", "rougeLsum"})
                assertTrue(r.get(k).get(t).has("fmeasure"), k + "." + t);
    }

    @Test
    void rougePlainText() throws Exception {
        Path pred = file("pred.txt", "the cat\n");
        Path tgt = file("tgt.txt", "the cat\n");
        JsonNode r = run("score", "rouge", "--pred", pred.toString(), "--target", tgt.toString());
        assertEquals(1.0, r.get("mean").get("rougeL").get("fmeasure").asDouble());
        assertTrue(!r.has("mid"));
    }

    @Test
    void missingFieldNamesFileAndLine() throws Exception {
        Path f = file("data.jsonl", "{\"hypothesis\": \"a\", \"references\": [\"a\"]}\n{\"hypothesis\": \"b\"}\n");
        String e = fail("score", "bleu", "--jsonl", f.toString());
        assertTrue(e.contains(f + ":2: missing field \"references\""), e);
    }

    @Test
    void invalidJsonNamesFileAndLine() throws Exception {
        Path f = file("bad.jsonl", "{\"target\": \"a\", \"prediction\": \"a\"}\n\n{not json\n");
        String e = fail("score", "rouge", "--jsonl", f.toString());
        assertTrue(e.contains(f + ":3: not valid JSON"), e);
    }

    @Test
    void differingReferenceCountsAreAnError() throws Exception {
        Path f = file("refs.jsonl", "{\"hypothesis\": \"a\", \"references\": [\"a\", \"b\"]}\n{\"hypothesis\": \"b\", \"references\": [\"b\"]}\n");
        String e = fail("score", "bleu", "--jsonl", f.toString());
        assertTrue(e.contains(f + ":2: 1 references, but line 1 has 2"), e);
    }

    @Test
    void fileLengthMismatchIsAnError() throws Exception {
        Path hyp = file("h.txt", "a\nb\nc\n");
        Path ref = file("r.txt", "a\nb\n");
        String e = fail("score", "bleu", "--hyp", hyp.toString(), "--ref", ref.toString());
        assertTrue(e.contains(hyp + " has 3 lines but " + ref + " has 2"), e);
        err.reset();
        String e2 = fail("score", "rouge", "--pred", hyp.toString(), "--target", ref.toString());
        assertTrue(e2.contains("has 3 lines but"), e2);
    }

    @Test
    void unknownTokenizerIsAnError() throws Exception {
        Path f = file("d.jsonl", "{\"hypothesis\": \"a\", \"references\": [\"a\"]}\n");
        String e = fail("score", "bleu", "--jsonl", f.toString(), "--tokenize", "intl");
        assertTrue(e.contains("unknown BLEU tokenizer 'intl'"), e);
    }
}
