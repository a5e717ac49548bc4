package org.petl.suite;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a generation cell needs beyond the hyper-parameters: lengths and decoding, with {@code petl train}'s seq2seq
 * defaults. A suite file gives them as {@code "seq2seq": {"max_source": 48, ...}} (or one such object per task).
 *
 * @param maxSource    truncate sources to this many tokens
 * @param maxTarget    truncate targets (labels) to this many tokens
 * @param minLength    EOS is blocked while an output (start token included) is shorter
 * @param numBeams     beams when generating at evaluation, 1 = greedy
 * @param genMaxLength generated length incl. the start token; 0: max_target
 * @param noRepeatNgram no n-gram of this size repeats in an output, 0 = off
 * @param evalBatch    sources per generation batch
 */
public record Seq2SeqSettings(int maxSource, int maxTarget, int minLength, int numBeams, int genMaxLength, int noRepeatNgram, int evalBatch)
        implements Serializable {

    public static final List<String> KEYS = List.of("max_source", "max_target", "min_length", "num_beams", "gen_max_length", "no_repeat_ngram", "eval_batch");

    public static Seq2SeqSettings defaults() {
        return new Seq2SeqSettings(128, 32, 0, 1, 0, 0, 16);
    }

    public Seq2SeqSettings {
        if (maxSource < 2 || maxTarget < 2) throw new SuiteException("max_source and max_target must be at least 2, got " + maxSource + " and " + maxTarget);
        if (minLength < 0 || genMaxLength < 0 || noRepeatNgram < 0) throw new SuiteException("min_length, gen_max_length and no_repeat_ngram must be >= 0");
        if (numBeams < 1 || evalBatch < 1) throw new SuiteException("num_beams and eval_batch must be at least 1, got " + numBeams + " and " + evalBatch);
    }

    /** The defaults with the object's values; every key and value checked, one line naming the field. */
    static Seq2SeqSettings parse(JsonNode n, String w) {
        if (!n.isObject()) throw new SuiteException(w + ": expected {\"max_source\": N, ...} (keys: " + String.join(", ", KEYS) + ")");
        Map<String, Integer> v = new TreeMap<>(defaults().toMap());
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!KEYS.contains(e.getKey())) throw new SuiteException(w + ": unknown setting '" + e.getKey() + "' (known: " + String.join(", ", KEYS) + ")");
            JsonNode x = e.getValue();
            if (!x.isIntegralNumber() || x.asLong() < 0 || x.asLong() > 1_000_000) throw new SuiteException(w + "." + e.getKey() + ": expected a whole number >= 0, got " + x);
            v.put(e.getKey(), x.asInt());
        }
        try {
            return new Seq2SeqSettings(v.get("max_source"), v.get("max_target"), v.get("min_length"), v.get("num_beams"), v.get("gen_max_length"),
                    v.get("no_repeat_ngram"), v.get("eval_batch"));
        } catch (SuiteException e) {
            throw new SuiteException(w + ": " + e.getMessage());
        }
    }

    /** Sorted by name, for the config hash. */
    public Map<String, Integer> toMap() {
        Map<String, Integer> m = new TreeMap<>();
        m.put("max_source", maxSource);
        m.put("max_target", maxTarget);
        m.put("min_length", minLength);
        m.put("num_beams", numBeams);
        m.put("gen_max_length", genMaxLength);
        m.put("no_repeat_ngram", noRepeatNgram);
        m.put("eval_batch", evalBatch);
        return m;
    }

    /** {@code petl train}'s options for these settings: each key is its option's name ({@code max_source}: {@code --max-source}). */
    List<String> args() {
        List<String> a = new ArrayList<>();
        toMap().forEach((k, v) -> a.add("--" + k.replace('_', '-') + "=" + v));
        return a;
    }
}
