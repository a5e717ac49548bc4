package org.petl.models.conformance;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.petl.models.GoldenReference;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every case of the paper's own code (RoBERTa, BART, mBART) is reproduced within 1e-4 (README: faithful float32 ≈ 1e-5). */
class ConformanceTest {

    @TestFactory
    Stream<DynamicTest> everyBartCasePasses() {
        return replay("bart", 15);
    }

    @TestFactory
    Stream<DynamicTest> everyMbartCasePasses() {
        return replay("mbart", 14);
    }

    private static Stream<DynamicTest> replay(String model, int expected) {
        List<Path> cases = ConformanceRunner.caseFolders(GoldenReference.root().resolve(model));
        assertTrue(cases.size() >= expected, "expected the " + expected + " " + model + " cases, found " + cases.size());
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            ConformanceRunner.CaseResult r = ConformanceRunner.run(dir);
            assertEquals(ConformanceRunner.Status.PASSED, r.status(), r.id() + ": " + r.detail() + " (max |diff| " + r.maxAbsDiff() + ")");
            assertTrue(r.maxAbsDiff() <= 1e-4);
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyRobertaCasePasses() {
        List<Path> cases = ConformanceRunner.caseFolders(GoldenReference.root().resolve("roberta"));
        assertTrue(cases.size() >= 14, "expected the 14 RoBERTa cases, found " + cases.size());
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            ConformanceRunner.CaseResult r = ConformanceRunner.run(dir);
            assertEquals(ConformanceRunner.Status.PASSED, r.status(), r.id() + ": " + r.detail() + " (max |diff| " + r.maxAbsDiff() + ")");
            assertTrue(r.maxAbsDiff() <= 1e-4);
        }));
    }
}
