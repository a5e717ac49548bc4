package org.petl.suite;

import org.petl.bench.CompareCommand;
import org.petl.models.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code petl suite NAME|FILE}: every cell of a suite as a Spark task, then the table in the paper's layout, JSON,
 * CSV, Parquet, plots and provenance. Exit code 0 when every cell finished, 3 when some failed (2 is a usage error).
 */
@Command(name = "suite", mixinStandardHelpOptions = true,
        description = "Run a reproducibility suite (built-in: paper-table-2, paper-table-3, paper-table-4, paper-table-5, paper-budget; or a JSON file) on Spark.")
public final class SuiteCommand implements Callable<Integer> {

    /** The exit code when at least one cell failed (the others finished and are in the table). */
    public static final int SOME_FAILED = 3;

    @Parameters(index = "0", paramLabel = "NAME|FILE", description = "a built-in suite or a suite file")
    String suite;

    @Option(names = "--size", description = "local (stand-in tasks, 2 CPU cores) or paper (the paper's models and tasks); built-in suites only, default local")
    String size;

    @Option(names = "--out", description = "output folder, a local path or a Hadoop URI (file://, hdfs://, s3a://); default runs/suite-NAME[-SIZE]")
    String out;

    @Option(names = "--master", description = "Spark master (default local[N], N cells at once, one core each: as compare --jobs decides)")
    String master;

    @Option(names = "--jobs", defaultValue = "0", description = "N of the default local[N] (0: one per core while memory allows, 10 GiB each)")
    int jobs;

    @Option(names = "--dry-run", description = "list the cells and their folders, train nothing")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Suite s = Suite.load(suite, size);
        List<Cell> cells = s.cells();
        String dir = out != null ? out : "runs/suite-" + Cell.slug(s.name()) + (s.size() == null ? "" : "-" + s.size());
        if (dryRun) {
            for (Cell c : cells) System.out.println(c.id() + " -> " + SuiteFs.join(dir, "cells/" + c.folder()));
            System.out.println(cells.size() + " cells");
            return 0;
        }
        // fetch and check each model once, before any Spark task starts (only where the driver trains: local mode)
        String m = master != null ? master : "local[" + Math.max(1, Math.min(cells.size(), jobs > 0 ? jobs : CompareCommand.autoJobs())) + "]";
        if (m.startsWith("local")) {
            for (String model : new LinkedHashSet<>(s.models())) {
                try {
                    ModelStore.resolve(model);
                } catch (RuntimeException e) {
                    System.out.println("model " + model + ": " + CellRunner.oneLine(e) + " (its cells will be marked failed)");
                }
            }
        }
        if (!m.equals("local[1]")) System.setProperty("petl.progress", "plain");
        System.out.printf(Locale.ROOT, "suite %s%s: %d cells on Spark %s, output %s%n", s.name(), s.size() == null ? "" : " (" + s.size() + ")",
                cells.size(), m, dir);
        long t0 = System.nanoTime();
        SuiteRun.Outcome o = SuiteRun.run(s, dir, m);
        System.out.println();
        System.out.println(o.table());
        System.out.printf(Locale.ROOT, "%d cells: %d trained, %d already finished, %d failed; %.0f s. Table, JSON, CSV, Parquet, plots and provenance in %s%n",
                o.results().size(), o.count(CellResult.OK), o.count(CellResult.CACHED), o.count(CellResult.FAILED), (System.nanoTime() - t0) / 1e9, dir);
        System.out.println("plots: " + SuiteFs.join(dir, Report.BUDGET_PNG) + ", " + SuiteFs.join(dir, Report.CURVES_PNG));
        System.out.println("provenance: " + o.provenanceLine());
        return o.count(CellResult.FAILED) > 0 ? SOME_FAILED : 0;
    }
}
