package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.conformance.ConformanceRunner.CaseResult;
import org.petl.models.conformance.ConformanceRunner.Status;
import org.petl.models.generate.GenerateConformance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code petl conformance}: replays paper-code reference cases and compares every stored output. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Replay every case folder under DIR (<model>/<case>/case.json + added.safetensors, base in "
                + "<model>/base.safetensors) and compare outputs, and every generation setting of each <model>/<case>/generate.json "
                + "(id <model>/<case>/generate/<setting>: sequences exact, scores within 1e-4). Exit 0 when nothing failed, 2 when a case failed.")
public final class ConformanceCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Exit code when a case failed: apart from 1, which means the command itself could not run. */
    static final int FAILED = 2;

    @Spec CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "folder of reference cases, e.g. ../shared/golden/petl-reference")
    Path dir;

    @Option(names = "--json", description = "one JSON object instead of a line per case")
    boolean json;

    @Option(names = "--generate", paramLabel = "REGEX", defaultValue = ".*",
            description = "replay only the generation settings whose id (<model>/<case>/generate/<setting>) matches; the others are reported skipped (default: all)")
    String generate;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": no such folder");
        List<CaseResult> results = new ArrayList<>(ConformanceRunner.runAll(dir));
        java.util.regex.Pattern select;
        try {
            select = java.util.regex.Pattern.compile(generate);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("--generate: not a regular expression: " + e.getDescription());
        }
        results.addAll(GenerateConformance.runAll(dir, id -> select.matcher(id).matches()));
        if (results.isEmpty()) throw new IllegalArgumentException(dir + ": no case folders (<model>/<case>/case.json or generate.json)");
        PrintWriter w = spec.commandLine().getOut();
        long failed = results.stream().filter(r -> r.status() == Status.FAILED).count();
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("cases", results.size());
            o.put("tolerance", ConformanceRunner.TOLERANCE);
            ArrayNode passed = o.putArray("passed"), fails = o.putArray("failed"), skipped = o.putArray("skipped");
            for (CaseResult r : results) {
                switch (r.status()) {
                    case PASSED -> passed.addObject().put("id", r.id()).put("max_abs_diff", r.maxAbsDiff()).put("method", r.detail());
                    case FAILED -> {
                        ObjectNode f = fails.addObject().put("id", r.id());
                        // a NaN diff means the case did not run to the comparison: report why instead
                        if (Double.isNaN(r.maxAbsDiff())) f.put("error", r.detail());
                        else f.put("max_abs_diff", r.maxAbsDiff()).put("method", r.detail());
                    }
                    case SKIPPED -> skipped.addObject().put("id", r.id()).put("reason", r.detail());
                }
            }
            w.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            for (CaseResult r : results) {
                String tag = switch (r.status()) { case PASSED -> "PASS"; case FAILED -> "FAIL"; case SKIPPED -> "SKIP"; };
                String diff = Double.isNaN(r.maxAbsDiff()) ? "-" : String.format(Locale.ROOT, "%.3g", r.maxAbsDiff());
                w.println(tag + " " + r.id() + " " + diff + " " + r.detail());
            }
            long passedN = results.stream().filter(r -> r.status() == Status.PASSED).count();
            w.println(String.format(Locale.ROOT, "%d cases: %d passed, %d failed, %d skipped (tolerance %g)",
                    results.size(), passedN, failed, results.size() - passedN - failed, ConformanceRunner.TOLERANCE));
        }
        w.flush();
        return failed == 0 ? 0 : FAILED;
    }
}
