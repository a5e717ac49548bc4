package org.petl.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One training run of a suite: a task, a model, a method, hyper-parameters and a seed. Its run folder is named
 * by a readable id and the config hash, so a changed hyper-parameter gets a new folder and only its cells re-run.
 *
 * @param label    the method's row label in the table (not part of the hash)
 * @param metric   what the table reports (not part of the hash)
 * @param data     the task's data folder, null for the default (polarity's installed CSV)
 * @param subsample examples kept per split (train, dev, test), 0 = all
 * @param seq2seq  lengths and decoding of a generation cell; null for a classification cell
 */
public record Cell(String suite, String task, String model, String data, String label, String spec, Hyper hyper, long seed,
                   Subsample subsample, String metric, Seq2SeqSettings seq2seq) implements Serializable {

    /** A classification cell. */
    public Cell(String suite, String task, String model, String data, String label, String spec, Hyper hyper, long seed,
                Subsample subsample, String metric) {
        this(suite, task, model, data, label, spec, hyper, seed, subsample, metric, null);
    }

    /** Examples kept per split; 0 keeps the split whole. Evenly spaced picks keep the class balance of a sorted file. */
    public record Subsample(int train, int dev, int test) implements Serializable {
        public static final Subsample NONE = new Subsample(0, 0, 0);

        public Subsample {
            if (train < 0 || dev < 0 || test < 0) throw new SuiteException("subsample sizes must be >= 0, got " + train + "/" + dev + "/" + test);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public TaskKind kind() {
        return TaskKind.of(task, "cell " + id());
    }

    /** Everything that changes what the run computes, sorted: the input of the config hash. */
    public Map<String, Object> config() {
        Map<String, Object> m = new TreeMap<>();
        m.put("task", task);
        m.put("model", model);
        m.put("data", data);
        m.put("method", spec);
        m.put("seed", seed);
        m.put("hyper", hyper.toMap());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("train", subsample.train());
        s.put("dev", subsample.dev());
        s.put("test", subsample.test());
        m.put("subsample", s);
        // only generation cells have these, so a classification cell's hash is what it was before they existed
        if (seq2seq != null) m.put("seq2seq", seq2seq.toMap());
        return m;
    }

    /** SHA-256 of the canonical JSON of {@link #config()}. */
    public String hash() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsString(config()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code polarity/minilm-l6/pa_r=32/seed1-<12 hex>}: readable, unique per config. */
    public String folder() {
        return slug(task) + "/" + slug(model) + "/" + slug(spec) + "/seed" + seed + "-" + hash().substring(0, 12);
    }

    public String id() {
        return task + " " + model + " " + spec + (hyper.shortKey().isEmpty() ? "" : " [" + hyper.shortKey() + "]") + " seed " + seed;
    }

    static String slug(String s) {
        String t = s.replaceAll("[^A-Za-z0-9.=-]+", "_");
        return t.length() > 80 ? t.substring(0, 80) : t;
    }
}
