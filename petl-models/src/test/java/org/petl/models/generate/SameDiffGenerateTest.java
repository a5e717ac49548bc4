package org.petl.models.generate;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.petl.models.GoldenReference;
import org.petl.models.assembly.DecoderStep;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.ModelGraph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding on petl's SameDiff encoder-decoder reproduces the paper code's generate() outputs. */
class SameDiffGenerateTest {

    static StepModel uncached(GenerateReference.Setting s) {
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(s.caseDir(), s.baseWeights());
        Seq2SeqLm lm = Seq2SeqLm.build(c.description(), c.weights(), ModelGraph.Options.inference());
        c.apply(lm.graph());
        return new UncachedSteps(lm);
    }

    static StepModel cached(GenerateReference.Setting s) {
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(s.caseDir(), s.baseWeights());
        DecoderStep step = DecoderStep.build(c.description(), c.weights());
        c.apply(step.graph());
        return new CachedSteps(step);
    }

    /** Every stored setting of every generate.json, decoded with the key/value cache (slow: ~99 decodings). */
    @Tag("slow")
    @TestFactory
    Stream<DynamicTest> cachedReproducesEveryStoredSetting() {
        List<GenerateReference.Setting> all = new ArrayList<>();
        for (Path f : GenerateReference.files(GoldenReference.root())) all.addAll(GenerateReference.settings(f));
        assertTrue(all.size() >= 99, "expected 99 settings, found " + all.size());
        return replay(all);
    }

    /**
     * The default suite's share: from every generate.json (every method and both models), its first setting and its
     * longest beam setting; `petl conformance` and the slow test above replay all of them.
     */
    @TestFactory
    Stream<DynamicTest> cachedReproducesTwoSettingsOfEveryFile() {
        List<GenerateReference.Setting> some = new ArrayList<>();
        for (Path f : GenerateReference.files(GoldenReference.root())) {
            List<GenerateReference.Setting> settings = GenerateReference.settings(f);
            some.add(settings.get(0));
            settings.stream().filter(s -> s.config().numBeams() > 1)
                    .max(java.util.Comparator.comparingInt(s -> s.config().numBeams() * s.config().maxLength()))
                    .filter(s -> s != settings.get(0)).ifPresent(some::add);
        }
        assertTrue(some.size() >= 11, "expected settings from 11 generate.json files, found " + some.size());
        return replay(some);
    }

    private static Stream<DynamicTest> replay(List<GenerateReference.Setting> settings) {
        return settings.stream().map(s -> DynamicTest.dynamicTest(s.id(), () -> {
            GenerateReference.Comparison c = GenerateReference.compare(s, GenerateReference.run(s, SameDiffGenerateTest::cached));
            assertTrue(c.passed(), s.id() + ": " + c.detail());
        }));
    }

    /** Uncached decoding (the whole decoder re-run every step on Seq2SeqLm) equals cached decoding token for token. */
    @TestFactory
    Stream<DynamicTest> uncachedEqualsCached() {
        List<GenerateReference.Setting> all = new ArrayList<>();
        for (Path f : GenerateReference.files(GoldenReference.root())) all.addAll(GenerateReference.settings(f));
        // uncached decoding re-runs the whole decoder every step: the 20-token settings of two methods per model here
        return all.stream().filter(s -> s.config().maxLength() <= 20 && s.id().matches("m?bart/(mam_prefix5_ffnpar_r8_s4|prefix_nomlp_concat|lora_attn_qv_r4_a8)/.*"))
                .map(s -> DynamicTest.dynamicTest(s.id(), () -> {
                    Generation full = GenerateReference.run(s, SameDiffGenerateTest::uncached);
                    Generation inc = GenerateReference.run(s, SameDiffGenerateTest::cached);
                    assertTrue(java.util.Arrays.deepEquals(full.sequences(), inc.sequences()), s.id());
                    if (full.sequenceScores() != null) {
                        for (int i = 0; i < full.sequenceScores().length; i++) {
                            org.junit.jupiter.api.Assertions.assertEquals(full.sequenceScores()[i], inc.sequenceScores()[i], 1e-5, s.id());
                        }
                    }
                    GenerateReference.Comparison c = GenerateReference.compare(s, full);
                    assertTrue(c.passed(), s.id() + ": " + c.detail());
                }));
    }

    /**
     * Cached decoding that follows a trained Seq2SeqLm: the method is applied to the teacher-forced graph with
     * fresh values, the follower is built, and only then the stored tensors are written into the trained graph;
     * decoding must see them.
     */
    @TestFactory
    Stream<DynamicTest> followingATrainedGraph() {
        List<GenerateReference.Setting> all = new ArrayList<>();
        for (String c : List.of("bart/mam_prefix5_ffnpar_r8_s4", "mbart/lora_attn_qv_r4_a8")) {
            all.addAll(GenerateReference.settings(GoldenReference.root().resolve(c).resolve("generate.json")));
        }
        return all.stream().filter(s -> s.config().maxLength() <= 20).map(s -> DynamicTest.dynamicTest(s.id(), () -> {
            ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(s.caseDir(), s.baseWeights());
            Seq2SeqLm lm = Seq2SeqLm.build(c.description(), c.weights(), ModelGraph.Options.inference());
            org.petl.core.method.AppliedMethod applied = org.petl.core.method.Rewriter.apply(lm.graph(), c.method(), 7);
            CachedSteps follower = CachedSteps.following(applied, c.description(), c.weights());
            c.preset().forEach((n, v) -> lm.graph().sameDiff().getArrForVarName(n).assign(v));
            GenerateReference.Comparison r = GenerateReference.compare(s, GenerateReference.run(s, x -> follower));
            assertTrue(r.passed(), s.id() + ": " + r.detail());
        }));
    }

    /**
     * One source decoded greedily is one row in every decoder step (batch 1): prefix tuning's batch-sized parts must
     * still build, and the row must decode as it does inside the stored batch.
     */
    @TestFactory
    Stream<DynamicTest> aSingleSourceDecodesAsInsideItsBatch() {
        List<GenerateReference.Setting> picked = new ArrayList<>();
        for (String c : List.of("bart/prefix_nomlp_concat", "bart/mam_prefix5_ffnpar_r8_s4", "mbart/lora_attn_qv_r4_a8")) {
            GenerateReference.settings(GoldenReference.root().resolve(c).resolve("generate.json")).stream()
                    .filter(s -> s.config().numBeams() == 1 && s.config().numReturnSequences() == 1).findFirst().ifPresent(picked::add);
        }
        assertTrue(picked.size() == 3, "expected a greedy setting in each of the 3 cases, found " + picked.size());
        return picked.stream().map(s -> DynamicTest.dynamicTest(s.id(), () -> {
            StepModel m = cached(s);
            Generation all = Generator.generate(m, s.inputIds(), s.attentionMask(), s.config());
            for (int row = 0; row < s.inputIds().length; row++) {
                Generation one = Generator.generate(m, new int[][]{s.inputIds()[row]}, new int[][]{s.attentionMask()[row]}, s.config());
                int[] a = all.sequences()[row], b = one.sequences()[0];
                // the batch pads finished rows to the longest one: compare up to the single row's own length
                assertTrue(b.length <= a.length && java.util.Arrays.equals(b, java.util.Arrays.copyOf(a, b.length)),
                        s.id() + " row " + row + ": alone " + java.util.Arrays.toString(b) + ", in the batch " + java.util.Arrays.toString(a));
            }
        }));
    }
}
