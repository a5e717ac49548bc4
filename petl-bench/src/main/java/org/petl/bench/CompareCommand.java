package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The README's main job: several methods fine-tune the same model on the same data with the same seed; one table
 * of test accuracy, trainable parameters and wall time.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Fine-tune one model with several methods and print a side-by-side table (accuracy, trainable %%, time).")
public final class CompareCommand implements Callable<Integer> {

    /** Method, learning rate, epochs: the defaults of the main job (MiniLM on polarity, 2 CPU cores). */
    static final String DEFAULT_PLAN = "full@1e-4x1;lora:r=8,s=2@3e-3x1;prefix:l=16,mid=0@1e-2x1;pa:r=32@2e-3x1;mam:l=16,r=16,s=2,mid=0@3e-3x1";

    @Mixin
    RunOptions run;

    @Option(names = "--plan", defaultValue = DEFAULT_PLAN,
            description = "methods separated by ';', each SPEC[@LR][xEPOCHS] (default: ${DEFAULT-VALUE})")
    String plan;

    @Option(names = "--out", defaultValue = "runs/compare", description = "folder for the runs and the table (default ${DEFAULT-VALUE})")
    Path out;

    record Entry(String spec, double lr, int epochs) {
    }

    static List<Entry> parsePlan(String plan, double lr, int epochs) {
        List<Entry> out = new ArrayList<>();
        for (String part : plan.split(";")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int e = epochs;
            double l = lr;
            int x = p.lastIndexOf('x');
            int at = p.lastIndexOf('@');
            if (at >= 0) {
                String tail = p.substring(at + 1);
                int xi = tail.indexOf('x');
                try {
                    l = Double.parseDouble(xi >= 0 ? tail.substring(0, xi) : tail);
                    if (xi >= 0) e = Integer.parseInt(tail.substring(xi + 1));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("plan entry '" + p + "': expected SPEC@LR or SPEC@LRxEPOCHS");
                }
                p = p.substring(0, at);
            } else if (x > 0 && p.substring(x + 1).matches("\\d+")) {
                e = Integer.parseInt(p.substring(x + 1));
                p = p.substring(0, x);
            }
            out.add(new Entry(p, l, e));
        }
        if (out.isEmpty()) throw new IllegalArgumentException("empty plan: give at least one method");
        return out;
    }

    @Override
    public Integer call() throws Exception {
        List<Entry> entries = parsePlan(plan, run.lr, run.epochs);
        ArrayNode rows = new ObjectMapper().createArrayNode();
        long t0 = System.nanoTime();
        for (Entry e : entries) {
            System.out.println("== " + e.spec() + " (lr " + e.lr() + ", " + e.epochs() + " epochs)");
            TrainCommand.Result r = TrainCommand.trainOne(run.copyWith(e.spec(), e.lr(), e.epochs()), out.resolve(RunOptions.slug(e.spec())), false);
            ObjectNode row = r.summary();
            row.put("lr", e.lr());
            row.put("epochs", e.epochs());
            rows.add(row);
            System.out.println(table(rows));
        }
        String table = table(rows);
        ObjectNode all = new ObjectMapper().createObjectNode();
        all.put("model", run.model);
        all.put("task", run.task);
        all.put("seed", run.seed);
        all.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        all.set("runs", rows);
        AtomicFiles.writeString(out.resolve("compare.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
        AtomicFiles.writeString(out.resolve("compare.md"), table + "\n");
        System.out.println();
        System.out.println(table);
        System.out.printf(Locale.ROOT, "total %.0f s; runs and metrics in %s%n", (System.nanoTime() - t0) / 1e9, out);
        return 0;
    }

    static String table(ArrayNode rows) {
        StringBuilder b = new StringBuilder();
        b.append("| method | lr | epochs | dev acc | test acc | trainable params | trainable % | train time |\n");
        b.append("|---|---|---|---|---|---|---|---|\n");
        for (var r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %,d | %.2f%% | %.0f s |%n",
                    r.path("method").asText(), r.path("lr").asText(), r.path("epochs").asInt(),
                    100 * r.path("dev_accuracy").asDouble(), 100 * r.path("test_accuracy").asDouble(),
                    r.path("trainable_params").asLong(), r.path("trainable_percent").asDouble(), r.path("train_seconds").asDouble()));
        }
        return b.toString().strip();
    }
}
