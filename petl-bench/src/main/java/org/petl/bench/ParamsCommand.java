package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.method.Architecture;
import org.petl.core.method.Methods;
import org.petl.core.method.ParameterReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code petl params}: a method's parameter count on an architecture, without weights or a graph. */
@Command(name = "params", mixinStandardHelpOptions = true,
        description = "Count the parameters a method adds to an architecture (the paper's formula, what trains, what is stored).")
public final class ParamsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Option(names = "--arch", required = true, completionCandidates = ArchNames.class, paramLabel = "NAME",
            description = "architecture: ${COMPLETION-CANDIDATES}, a warm start such as minilm-l6:seq2seq, or a Hugging Face folder (its config.json)")
    String arch;

    @Option(names = "--method", required = true, paramLabel = "SPEC",
            description = "method spec, e.g. mam:l=30,r=512,s=4 or lora:r=8+bitfit (see 'petl methods')")
    String method;

    @Option(names = "--json", description = "one JSON object instead of text")
    boolean json;

    /** The built-in architecture names, for --arch's help text. */
    static final class ArchNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Architecture.BUILT_IN.stream().map(Architecture::name).iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        ParameterReport r = ParameterReport.of(new Architecture(org.petl.models.store.ModelStore.describe(arch)), Methods.parse(method));
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("architecture", r.architecture());
            o.put("method", r.method());
            o.put("formula_params", r.formula());
            o.put("trainable_params", r.trainable());
            o.put("stored_params", r.stored());
            o.put("base_params", r.base());
            o.put("percent", r.formulaPercent());
            o.put("trainable_percent", r.trainablePercent());
            o.put("stored_percent", r.storedPercent());
            w.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            w.println(r.method() + " on " + r.architecture() + " (" + String.format(Locale.ROOT, "%,d", r.base()) + " base parameters)");
            w.println(line("formula", r.formula(), r.formulaPercent()));
            w.println(line("trainable", r.trainable(), r.trainablePercent()));
            w.println(line("stored", r.stored(), r.storedPercent()));
        }
        w.flush();
        return 0;
    }

    private static String line(String what, long n, double pct) {
        return String.format(Locale.ROOT, "  %-10s %,14d  %8.4f%%", what, n, pct);
    }
}
