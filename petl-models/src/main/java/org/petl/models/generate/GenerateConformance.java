package org.petl.models.generate;

import org.petl.models.conformance.ConformanceRunner.CaseResult;
import org.petl.models.conformance.ConformanceRunner.Status;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays every {@code generate.json} under a reference folder: each (case, setting) is one conformance case with
 * id {@code <model>/<case>/generate/<setting>}, passed when every sequence is reproduced exactly and every score
 * within {@link GenerateReference#TOLERANCE}.
 */
public final class GenerateConformance {

    private GenerateConformance() {
    }

    /** Every setting decoded with the cached SameDiff decoder-step graph of its case (the method applied). */
    public static List<CaseResult> runAll(Path root, java.util.function.Predicate<String> select) {
        return runAll(root, GenerateConformance::cached, select);
    }

    /** The model of a setting: its case's DecoderStep graph with the translated method and loaded tensors. */
    public static StepModel cached(GenerateReference.Setting s) {
        org.petl.models.conformance.ConformanceRunner.Seq2SeqCase c = org.petl.models.conformance.ConformanceRunner.loadSeq2Seq(s.caseDir(), s.baseWeights());
        org.petl.models.assembly.DecoderStep step = org.petl.models.assembly.DecoderStep.build(c.description(), c.weights());
        c.apply(step.graph());
        return new CachedSteps(step);
    }

    /** Settings whose id {@code select} rejects are reported skipped. */
    public static List<CaseResult> runAll(Path root, GenerateReference.ModelFactory factory, java.util.function.Predicate<String> select) {
        List<CaseResult> out = new ArrayList<>();
        for (Path f : GenerateReference.files(root)) {
            List<GenerateReference.Setting> settings;
            try {
                settings = GenerateReference.settings(f);
            } catch (RuntimeException e) {
                Path c = f.getParent();
                out.add(new CaseResult(c.getParent().getFileName() + "/" + c.getFileName() + "/generate", Status.FAILED, Double.NaN, message(e)));
                continue;
            }
            for (GenerateReference.Setting s : settings) {
                out.add(select.test(s.id()) ? run(s, factory) : new CaseResult(s.id(), Status.SKIPPED, Double.NaN, "generation setting not selected (--generate)"));
            }
        }
        return out;
    }

    public static CaseResult run(GenerateReference.Setting s, GenerateReference.ModelFactory factory) {
        try {
            Generation g = GenerateReference.run(s, factory);
            GenerateReference.Comparison c = GenerateReference.compare(s, g);
            String detail = s.config().greedy() ? "greedy" : "beam " + s.config().numBeams();
            return new CaseResult(s.id(), c.passed() ? Status.PASSED : Status.FAILED, Double.isNaN(c.maxScoreDiff()) ? Double.NaN : c.maxScoreDiff(),
                    c.passed() ? detail : c.detail());
        } catch (RuntimeException e) {
            return new CaseResult(s.id(), Status.FAILED, Double.NaN, message(e));
        }
    }

    private static String message(RuntimeException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    }
}
