package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.method.Architecture;
import org.petl.core.method.Budget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code petl budget}: the r or l that brings a method to a parameter budget, with {@code petl params}' accounting. */
@Command(name = "budget", mixinStandardHelpOptions = true,
        description = "The bottleneck dimension r or prefix length l that meets a parameter budget (%% of the base, the paper's formula as in 'petl params').")
public final class BudgetCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Option(names = "--arch", required = true, completionCandidates = ParamsCommand.ArchNames.class, paramLabel = "NAME",
            description = "architecture: ${COMPLETION-CANDIDATES}")
    String arch;

    @Option(names = "--method", required = true, paramLabel = "PRESET",
            description = "prefix, prompt, mhpa (solve l) or pa, spa, sa, houlsby, pfeiffer, lora, mam (solve r); fixed arguments after a colon, e.g. mam:l=30,s=4")
    String method;

    @Option(names = "--percent", required = true, description = "the budget in %% of the base model's parameters, e.g. 0.1")
    double percent;

    @Option(names = "--json", description = "one JSON object (spec, percent, ...) instead of text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Budget b = Budget.plan(Architecture.named(arch), method, percent);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("architecture", b.architecture());
            o.put("spec", b.spec());
            o.put("size", b.size());
            o.put("value", b.value());
            o.put("formula_params", b.formula());
            o.put("percent", b.percent());
            o.put("target_percent", b.target());
            w.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            w.println(String.format(Locale.ROOT, "%s on %s: %s=%d -> %s, %,d parameters = %.4f%% (target %s%%)",
                    method, b.architecture(), b.size(), b.value(), b.spec(), b.formula(), b.percent(), percent));
        }
        w.flush();
        return 0;
    }
}
