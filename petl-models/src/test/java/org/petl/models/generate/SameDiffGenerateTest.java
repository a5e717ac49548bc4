package org.petl.models.generate;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.petl.models.GoldenReference;
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

    @TestFactory
    Stream<DynamicTest> uncachedReproducesStoredSettings() {
        List<GenerateReference.Setting> all = new ArrayList<>();
        for (Path f : GenerateReference.files(GoldenReference.root())) all.addAll(GenerateReference.settings(f));
        // uncached decoding re-runs the whole decoder every step: the 20-token settings of two cases here
        return all.stream().filter(s -> s.config().maxLength() <= 20 && s.id().matches("m?bart/(base|prefix_nomlp_concat)/.*")).map(s -> DynamicTest.dynamicTest(s.id(), () -> {
            GenerateReference.Comparison c = GenerateReference.compare(s, GenerateReference.run(s, SameDiffGenerateTest::uncached));
            assertTrue(c.passed(), s.id() + ": " + c.detail());
        }));
    }
}
