package org.petl.models.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.petl.models.GoldenReference;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoding algorithm against the paper code's own generate(): a double-precision host forward of the tiny
 * BART / mBART (written from the reference README) drives {@link Generator}, and every stored setting of every
 * generate.json must come out token for token, scores within 1e-4.
 */
class HostBartGenerateTest {

    static HostBart host(GenerateReference.Setting s) {
        return HostBart.load(s.modelDir(), s.baseWeights(), s.added(), s.tuneArguments());
    }

    /** The host forward itself reproduces the stored teacher-forced lm_logits of the cases it implements. */
    @TestFactory
    Stream<DynamicTest> hostForwardMatchesStoredLogits() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : List.of("bart", "mbart")) {
            for (String id : List.of("base", "prefix_concat_mlp", "prefix_nomlp_concat", "mam_prefix5_ffnpar_r8_s4", "lora_attn_qv_r4_a8",
                    "ffn_adapter_parallel_r8_s4_lnnone", "ffn_adapter_sequential_r8_s1_lnin", "attn_adapter_parallel_r8",
                    "attn_adapter_sequential_r8", "bitfit", "prompt_tuning_l5", "ffn_adapter_pfeiffer_r8_s1_lnin")) {
                if (!java.nio.file.Files.isDirectory(GoldenReference.root().resolve(model).resolve(id))) continue;
                tests.add(DynamicTest.dynamicTest(model + "/" + id, () -> {
                    JsonNode c = GoldenReference.caseJson(model, id);
                    Path dir = GoldenReference.root().resolve(model);
                    HostBart m = HostBart.load(dir, "base.safetensors", dir.resolve(id).resolve("added.safetensors"), c.path("tune_arguments"));
                    int[][] ids = GenerateReference.ints(c.at("/inputs/input_ids"));
                    int[][] mask = GenerateReference.ints(c.at("/inputs/attention_mask"));
                    int[][] dec = GenerateReference.ints(c.at("/inputs/decoder_input_ids"));
                    int[][] decMask = GenerateReference.ints(c.at("/inputs/decoder_attention_mask"));
                    JsonNode want = c.at("/outputs/lm_logits/values");
                    double max = 0;
                    for (int b = 0; b < ids.length; b++) {
                        double[][] h = m.decode(dec[b], m.encode(ids[b], mask[b]));
                        for (int t = 0; t < dec[b].length; t++) {
                            if (decMask[b][t] == 0) continue; // padded decoder positions see padded keys differently
                            double[] lg = m.logits(h[t]);
                            for (int v = 0; v < lg.length; v++) max = Math.max(max, Math.abs(lg[v] - want.get(b).get(t).get(v).asDouble()));
                        }
                    }
                    assertTrue(max < 2e-5, model + "/" + id + ": max |diff| " + max);
                }));
            }
        }
        return tests.stream();
    }

    /** The host oracle on every setting (slow: SameDiffGenerateTest replays every setting on petl's graphs by default). */
    @TestFactory
    @org.junit.jupiter.api.Tag("slow")
    Stream<DynamicTest> everyStoredSettingIsReproduced() {
        return replay(".*");
    }

    /** The host oracle on the base cases' settings (fast). */
    @TestFactory
    Stream<DynamicTest> baseSettingsAreReproduced() {
        return replay("m?bart/base/.*");
    }

    private Stream<DynamicTest> replay(String ids) {
        List<Path> files = GenerateReference.files(GoldenReference.root());
        assertTrue(files.size() >= 11, "expected the 11 generate.json files, found " + files.size());
        List<GenerateReference.Setting> all = new ArrayList<>();
        for (Path f : files) all.addAll(GenerateReference.settings(f));
        assertTrue(all.size() >= 99, "expected 99 settings, found " + all.size());
        return all.stream().filter(s -> s.id().matches(ids)).map(s -> DynamicTest.dynamicTest(s.id(), () -> {
            Generation g = GenerateReference.run(s, x -> host(x).cached());
            GenerateReference.Comparison c = GenerateReference.compare(s, g);
            assertTrue(c.passed(), s.id() + ": " + c.detail());
        }));
    }

    /** Cached decoding (keys/values grow per step, reordered with the beams) equals re-running the decoder, on every setting of one case. */
    @TestFactory
    Stream<DynamicTest> cachedEqualsUncached() {
        Path f = GoldenReference.root().resolve("mbart/prefix_concat_mlp/generate.json");
        return GenerateReference.settings(f).stream().filter(s -> s.config().maxLength() <= 30).map(s -> DynamicTest.dynamicTest(s.id(), () -> {
            Generation cached = GenerateReference.run(s, x -> host(x).cached());
            Generation full = GenerateReference.run(s, HostBartGenerateTest::host);
            assertTrue(java.util.Arrays.deepEquals(cached.sequences(), full.sequences()), s.id());
            if (cached.sequenceScores() != null) {
                for (int i = 0; i < cached.sequenceScores().length; i++) assertEquals(full.sequenceScores()[i], cached.sequenceScores()[i], 1e-9);
            }
        }));
    }

    @Test
    void erfIsAccurate() {
        // erf(0.5), erf(1), erf(2.5), erf(3.5) to 1e-15 (standard tables)
        assertEquals(0.5204998778130465, HostBart.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, HostBart.erf(1.0), 1e-15);
        assertEquals(0.9995930479825550, HostBart.erf(2.5), 1e-13);
        assertEquals(-0.9999992569016276, HostBart.erf(-3.5), 1e-15);
    }
}
