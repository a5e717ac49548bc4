package org.petl.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CLI-wide rule over a table of bad inputs: every row runs the real CLI in-process (a native crash would end
 * this JVM and fail the build) and must end with the expected exit status and, on failure, exactly one error line
 * that names what and where, without a Java stack trace, an ND4J/JavaCPP message or a JVM crash report.
 */
class ReliabilityTest {

    @TempDir
    static Path tmp;
    static Path model, data;

    @BeforeAll
    static void fixtures() throws IOException {
        model = TinyFixtures.model(tmp.resolve("tiny-roberta"), 120);
        data = TinyFixtures.sst2(tmp.resolve("sst2"));
    }

    /** One row: arguments (built when the row runs, so it can write its files), expected status, what stderr must say. */
    record Row(String name, ArgsMaker args, int rc, String says) {
    }

    @FunctionalInterface
    interface ArgsMaker {
        List<String> make(Path dir) throws IOException;
    }

    static Row fails(String name, String says, ArgsMaker args) {
        return new Row(name, args, 1, says);
    }

    static Row usage(String name, String says, ArgsMaker args) {
        return new Row(name, args, 2, says);
    }

    static Row ok(String name, String says, ArgsMaker args) {
        return new Row(name, args, 0, says);
    }

    static List<String> of(String... a) {
        return List.of(a);
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name), text);
    }

    static List<String> train(Path dir, String... more) {
        return TinyFixtures.train(model, data, dir.resolve("run"), more);
    }

    /** Folders rows hold locked while the CLI runs (released after the table). */
    static final List<AutoCloseable> HELD = new ArrayList<>();

    @org.junit.jupiter.api.AfterAll
    static void release() throws Exception {
        for (AutoCloseable c : HELD) c.close();
    }

    /** A finished quick run in {@code d/run}. */
    static void trainOk(Path d) {
        CliCapture r = CliCapture.run(train(d).toArray(String[]::new));
        assertEquals(0, r.rc(), r.both());
    }

    /** A model folder whose weights file holds exactly {@code bytes}. */
    static List<String> trainOn(Path d, byte[] bytes) throws IOException {
        Path m = TinyFixtures.model(d.resolve("m"), 120);
        Files.write(m.resolve("model.safetensors"), bytes);
        return TinyFixtures.train(m, data, d.resolve("run"));
    }

    /** A safetensors file: this header and {@code dataBytes} zero bytes of data. */
    static byte[] rawSafetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    /** Rewrites every tensor file of an adapter folder without the tensors {@code drop} selects. */
    static void dropTensors(Path adapter, Predicate<String> drop) throws IOException {
        try (var s = Files.list(adapter)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                var t = new java.util.LinkedHashMap<>(org.petl.core.io.Safetensors.read(f));
                t.keySet().removeIf(drop);
                org.petl.core.io.Safetensors.write(f, t, java.util.Map.of());
            }
        }
    }

    static String words(int n) {
        StringBuilder b = new StringBuilder(n * 6);
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : " ").append("w").append(i % 997);
        return b.toString();
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        // ---- family 1: native crashes and internal messages
        rows.add(fails("method '+' alone", "empty part", d -> of("params", "--arch", "roberta-base", "--method", "+")));
        rows.add(fails("method ending in '+'", "empty part", d -> of("params", "--arch", "roberta-base", "--method", "lora+")));
        rows.add(fails("train --method +", "empty part", d -> train(d, "--method", "+")));
        rows.add(fails("layers up to two billion", "no model has 1000 layers", d -> of("params", "--arch", "roberta-base", "--method", "lora:layers=0-2000000000")));
        rows.add(fails("layer beyond the architecture", "layer 12 does not exist", d -> of("params", "--arch", "roberta-base", "--method", "lora:layers=12")));
        rows.add(fails("r of two billion", "r=2000000000 is larger than", d -> of("params", "--arch", "roberta-base", "--method", "lora:r=2000000000")));
        rows.add(fails("prefix l of two billion", "l=2000000000 is larger than", d -> of("params", "--arch", "roberta-base", "--method", "prefix:l=2000000000")));
        rows.add(fails("layer beyond the model in train", "layer 5 does not exist", d -> train(d, "--method", "lora:r=2,layers=5")));
        rows.add(fails("rouge on two 200,000-word texts", "too long for ROUGE-L", d -> {
            String big = words(200_000);
            return of("score", "rouge", "--pred", write(d, "p.txt", big + "\n").toString(), "--target", write(d, "t.txt", big + "\n").toString());
        }));
        rows.add(ok("--max-len beyond the positions is truncated and said once", "truncated to 62 tokens", d -> train(d, "--max-len", "512")));
        rows.add(ok("--max-len 100000 with a very long line", "truncated to 62 tokens", d -> {
            Path dd = TinyFixtures.sst2(d.resolve("data"));
            Files.writeString(dd.resolve("train.tsv"), words(20_000) + "\t1\n", java.nio.file.StandardOpenOption.APPEND);
            return TinyFixtures.train(model, dd, d.resolve("run"), "--max-len", "100000");
        }));
        rows.add(fails("tokenizer larger than the embedding table", "tokenizer has ids up to 199", d -> {
            Path m = TinyFixtures.model(d.resolve("m"), 200);
            return TinyFixtures.train(m, data, d.resolve("run"));
        }));
        // ---- family 2: the run folder protects itself
        rows.add(fails("a second run into a folder in use", "is in use by another petl run (pid " + ProcessHandle.current().pid(), d -> {
            HELD.add(org.petl.tasks.train.RunFolder.open(d.resolve("run"), org.petl.tasks.train.RunFolder.Mode.NEW, java.util.Map.of("method", "pa")));
            return train(d);
        }));
        rows.add(fails("a new run into a finished run's folder", "already holds a finished run (method lora:r=2) with checkpoints up to step 6; continue it with --resume", d -> {
            trainOk(d);
            return train(d);
        }));
        rows.add(ok("--overwrite replaces a finished run", "\"steps\" : 6", d -> {
            trainOk(d);
            return train(d, "--overwrite", "--method", "pa:r=2");
        }));
        rows.add(ok("--resume of a finished run with the same options", "\"steps\" : 6", d -> {
            trainOk(d);
            return train(d, "--resume");
        }));
        rows.add(fails("--resume with other hyper-parameters", "different configuration (lr 0.01 -> 0.02, method lora:r=2 -> lora:r=2,s=4)", d -> {
            trainOk(d);
            return train(d, "--resume", "--lr", "0.02", "--method", "lora:r=2,s=4");
        }));
        rows.add(fails("--resume of a folder that does not exist", "does not exist, so there is nothing to resume", d -> train(d, "--resume")));
        rows.add(fails("--resume when every checkpoint is corrupt", "its only checkpoint is not complete (", d -> {
            trainOk(d);
            try (var s = Files.list(d.resolve("run"))) {
                for (Path ck : s.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).toList()) {
                    Files.writeString(ck.resolve("adapter.safetensors"), "garbage");
                }
            }
            return train(d, "--resume");
        }));
        rows.add(fails("--resume with --overwrite", "--resume and --overwrite exclude each other", d -> train(d, "--resume", "--overwrite")));
        rows.add(fails("--out that is an existing file", "is a file, not a folder", d -> {
            write(d, "run", "x");
            return train(d);
        }));
        rows.add(fails("--out that is not writable", "petl-unwritable: ", d -> {
            Path ro = Files.createDirectories(d.resolve("petl-unwritable"));
            ro.toFile().setWritable(false);
            // root may write anywhere but /proc
            return train(d, "--out", Files.isWritable(ro) ? "/proc/petl-unwritable" : ro.toString());
        }));
        rows.add(fails("eval of a broken run.json", "run.json:1:", d -> {
            write(d.resolve("run"), "run.json", "{\"model\": ");
            return of("eval", "--run", d.resolve("run").toString());
        }));
        // ---- family 3: bad input accepted without a word
        rows.add(fails("empty layer range", "layers=1-0 is an empty range", d -> of("params", "--arch", "roberta-base", "--method", "lora:layers=1-0")));
        rows.add(fails("non-integer layer in a method file", "not a layer number", d -> of("params", "--arch", "roberta-base", "--method",
                "@" + write(d, "m.json", METHOD_JSON.replace("[0, 1]", "[\"one\"]")))));
        rows.add(fails("--dropout 1.5", "--dropout 1.5", d -> train(d, "--dropout", "1.5")));
        rows.add(fails("--dropout 1", "--dropout 1.0", d -> train(d, "--dropout", "1")));
        rows.add(fails("--clip NaN", "--clip NaN", d -> train(d, "--clip", "NaN")));
        rows.add(fails("--lr Infinity", "--lr Infinity", d -> train(d, "--lr", "Infinity")));
        rows.add(fails("--batch 0", "--batch 0", d -> train(d, "--batch", "0")));
        rows.add(fails("--max-len 2", "--max-len 2", d -> train(d, "--max-len", "2")));
        rows.add(fails("safetensors ranges that overlap", "overlap tensor 'a'", d -> trainOn(d, rawSafetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12))));
        rows.add(fails("safetensors ranges with a gap", "belong to no tensor", d -> trainOn(d, rawSafetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20))));
        rows.add(fails("a non-integer shape", "not a whole number", d -> trainOn(d, rawSafetensors(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8))));
        rows.add(fails("a truncated weights file", "model.safetensors", d -> {
            byte[] all = Files.readAllBytes(TinyFixtures.baseWeights());
            return trainOn(d, java.util.Arrays.copyOf(all, all.length / 2));
        }));
        rows.add(fails("NaN inside a weights file", "holds NaN at index 3", d -> {
            var t = new java.util.LinkedHashMap<>(org.petl.core.io.Safetensors.read(TinyFixtures.baseWeights()));
            String name = "roberta.encoder.layer.0.attention.self.query.weight";
            float[] v = t.get(name).data().clone();
            v[3] = Float.NaN;
            t.put(name, new org.petl.core.tensor.HostTensor(t.get(name).shape(), v));
            Path m = TinyFixtures.model(d.resolve("m"), 120);
            Files.delete(m.resolve("model.safetensors"));
            org.petl.core.io.Safetensors.write(m.resolve("model.safetensors"), t, java.util.Map.of());
            return TinyFixtures.train(m, data, d.resolve("run"));
        }));
        rows.add(fails("model_type that contradicts the weights", "model_type says bert, but model.safetensors holds RoBERTa weights", d -> {
            Path m = TinyFixtures.model(d.resolve("m"), 120);
            Files.writeString(m.resolve("config.json"), TinyFixtures.CONFIG.replace("\"roberta\"", "\"bert\""));
            return TinyFixtures.train(m, data, d.resolve("run"));
        }));
        rows.add(fails("an adapter missing its head", "the adapter lacks 2 tensor(s)", d -> {
            trainOk(d);
            dropTensors(d.resolve("run/adapter"), n -> n.contains("classifier") || n.contains("head"));
            return of("eval", "--run", d.resolve("run").toString());
        }));
        rows.add(fails("an adapter missing one LoRA tensor", "the adapter lacks 1 tensor(s)", d -> {
            trainOk(d);
            boolean[] once = {false};
            dropTensors(d.resolve("run/adapter"), n -> n.contains("lora_A") && !once[0] && (once[0] = true));
            return of("eval", "--run", d.resolve("run").toString());
        }));
        rows.add(fails("an unknown method in the adapter's config", "petl_method \"nosuch:r=2\": unknown method 'nosuch'", d -> {
            trainOk(d);
            try (var s = Files.list(d.resolve("run/adapter"))) {
                for (Path f : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                    Files.writeString(f, Files.readString(f).replace("\"petl_method\" : \"lora:r=2\"", "\"petl_method\" : \"nosuch:r=2\""));
                }
            }
            return of("eval", "--run", d.resolve("run").toString());
        }));
        rows.add(ok("a stale lock of a killed run is taken over", "which is no longer running; lock taken over", d -> {
            write(d.resolve("run"), ".petl-lock", "{\"pid\": 999999999, \"started\": \"2026-01-01T00:00:00Z\"}");
            return train(d);
        }));
        rows.add(ok("leftover temp files are removed on the next start", "removed 2 leftover temp file(s)", d -> {
            trainOk(d);
            write(d.resolve("run"), ".metrics.json.123.tmp", "x".repeat(1000));
            Files.createDirectories(d.resolve("run/.checkpoint-9.tmp-77"));
            write(d.resolve("run/.checkpoint-9.tmp-77"), "adapter.safetensors", "partial");
            return train(d, "--resume");
        }));
        // ---- family 4: messages that name what and where
        rows.add(fails("TSV without its label column", "train.tsv:1: header has no \"label\" column", d -> {
            Path dd = d.resolve("nolabel");
            write(dd, "train.tsv", "sentence\nw1 w2\nw3 w4\n");
            write(dd, "dev.tsv", "sentence\tlabel\nw1 w2\t0\nw7\t1\n");
            return TinyFixtures.train(model, dd, d.resolve("run"));
        }));
        rows.add(fails("invalid UTF-8 given to score", "p.txt:2: not valid UTF-8", d -> {
            Files.createDirectories(d);
            Path p = d.resolve("p.txt");
            Files.write(p, new byte[]{'o', 'k', '\n', 'b', (byte) 0xff, 'd', '\n'});
            return of("score", "rouge", "--pred", p.toString(), "--target", p.toString());
        }));
        rows.add(fails("a 1 MB header with no newline", "more characters)", d -> {
            Path dd = d.resolve("wide");
            write(dd, "train.tsv", "x".repeat(1 << 20));
            write(dd, "dev.tsv", "sentence\tlabel\nw1\t0\n");
            return TinyFixtures.train(model, dd, d.resolve("run"));
        }));
        rows.add(fails("data-reader errors name the folder", "bad-rows" + java.io.File.separator + "train.tsv:3:", d -> {
            Path dd = d.resolve("bad-rows");
            write(dd, "train.tsv", "sentence\tlabel\nw1\t0\nw2\t7\n");
            write(dd, "dev.tsv", "sentence\tlabel\nw1\t0\n");
            return TinyFixtures.train(model, dd, d.resolve("run"));
        }));
        // ---- family 5: the documented --method @file.json
        rows.add(ok("--method @file.json as the README writes it", "formula", d -> of("params", "--arch", "roberta-base", "--method",
                "@" + write(d, "m.json", METHOD_JSON))));
        // ---- parameters picocli refuses: one line too, pointing to --help
        rows.add(usage("unknown option", "Unknown option: '--bogus'", d -> of("train", "--bogus")));
        rows.add(usage("non-numeric --epochs", "--epochs", d -> of("train", "--epochs", "many")));
        return rows;
    }

    static final String METHOD_JSON = """
            {"modifications": [{"name": "ad", "form": {"type": "bottleneck", "r": 8, "act": "relu"},
              "site": {"modules": ["ffn"], "points": ["output"], "layers": [0, 1]}, "insertion": "parallel",
              "composition": {"type": "scaled", "s": 2}}]}
            """;

    /** What a user must never see: traces, exception class names, native-library internals, crash reports. */
    static final List<Pattern> NEVER = List.of(
            Pattern.compile("^\\s+at [\\w$.]+\\(", Pattern.MULTILINE),
            Pattern.compile("\\b(java|javax|sun|jdk)\\.[a-z]+\\.\\w+(Exception|Error)\\b"),
            Pattern.compile("\\w+(Exception|Error):"),
            Pattern.compile("org\\.nd4j|org\\.bytedeco|libnd4j|JavaCPP|hs_err|SIGSEGV|Cannot invoke \""),
            Pattern.compile("OutOfMemoryError|StackOverflowError|NullPointerException"));

    @TestFactory
    Stream<DynamicTest> everyRowEndsCleanly() {
        return rows().stream().map(row -> DynamicTest.dynamicTest(row.name(), () -> {
            Path dir = Files.createTempDirectory(tmp, "row");
            List<String> args = row.args().make(dir);
            CliCapture r = CliCapture.run(args.toArray(String[]::new));
            checkRule(r);
            if (row.rc() == 0) assertEquals(0, r.rc(), r.both());
            else assertEquals(row.rc(), r.rc(), r.both());
            assertTrue((r.err() + r.out()).contains(row.says()), "expected '" + row.says() + "' in\n" + r.both());
        }));
    }

    /** The CLI-wide rule, for any command and input. */
    static void checkRule(CliCapture r) {
        for (Pattern p : NEVER) {
            if (p.matcher(r.err()).find() || p.matcher(r.out()).find()) fail("output shows " + p + ":\n" + r.both());
        }
        List<String> errors = r.err().lines().filter(Predicate.not(String::isBlank)).filter(l -> l.contains(": error: ")).toList();
        if (r.rc() != 0) {
            assertEquals(1, errors.size(), "exactly one error line:\n" + r.both());
            assertTrue(errors.get(0).length() <= 700, "the error line is cut to a readable length:\n" + errors.get(0).length());
        } else {
            assertEquals(0, errors.size(), r.both());
        }
        assertNotEquals(134, r.rc());
        assertTrue(r.err().getBytes(StandardCharsets.UTF_8).length < 20_000, "stderr stays short");
    }
}
