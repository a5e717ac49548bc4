package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.method.MethodProvider;
import org.petl.core.method.Methods;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code petl methods}: every method a spec may name, built-in presets and ServiceLoader plugins alike. */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = "List every method (built-in presets and plugins on the class path) with its parameters and the "
                + "four design dimensions of its default configuration.")
public final class MethodsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Option(names = "--json", description = "one JSON object instead of text")
    boolean json;

    /** One provider as listed: its default configuration described part by part. */
    record Entry(String name, String summary, List<String> parameters, List<String> dimensions) {
    }

    static List<Entry> entries() {
        return Methods.providers().stream().map(p -> new Entry(p.name(), p.summary(), p.parameters(),
                Methods.describe(p.create(new MethodProvider.Args(p.name(), Map.of(), List.of()))))).toList();
    }

    @Override
    public Integer call() throws Exception {
        List<Entry> entries = entries();
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            ArrayNode arr = o.putArray("methods");
            for (Entry e : entries) {
                ObjectNode m = arr.addObject();
                m.put("name", e.name());
                m.put("summary", e.summary());
                e.parameters().forEach(m.putArray("parameters")::add);
                e.dimensions().forEach(m.putArray("default_configuration")::add);
            }
            w.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            for (Entry e : entries) {
                w.println(e.name() + " - " + e.summary());
                w.println("    parameters: " + (e.parameters().isEmpty() ? "(none)" : String.join(", ", e.parameters())));
                for (String d : e.dimensions()) w.println("    " + d);
            }
        }
        w.flush();
        return 0;
    }
}
