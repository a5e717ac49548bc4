package org.petl.suite;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** One run of a suite: cells on Spark, aggregation, every output file. */
public final class SuiteRun {

    private SuiteRun() {
    }

    public record Outcome(List<CellResult> results, List<Summary> summaries, String table, Map<String, Object> provenance) {
        public long count(String status) {
            return results.stream().filter(r -> r.status().equals(status)).count();
        }

        public String provenanceLine() {
            @SuppressWarnings("unchecked")
            Map<String, Object> v = (Map<String, Object>) provenance.get("versions");
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) provenance.get("machine");
            return "petl " + v.get("petl") + ", git " + provenance.get("git_commit") + ", Spark " + provenance.get("spark") + " (" + provenance.get("master")
                    + "), " + m.get("cores") + " cores, data " + provenance.get("data_sha256");
        }
    }

    public static Outcome run(Suite suite, String out, String master) throws IOException {
        long t0 = System.nanoTime();
        try (SuiteEngine engine = new SuiteEngine(master, "petl suite " + suite.name())) {
            List<CellResult> results = engine.run(suite.cells(), out);
            Dataset<Row> rows = engine.rows(results);
            SuiteEngine.writeParquet(rows, SuiteFs.join(out, Report.PARQUET));
            List<Summary> sums = SuiteEngine.aggregate(rows, suite.aggregate().contains(Suite.Aggregation.BOOTSTRAP));
            String table = Report.markdown(suite, sums);
            Map<String, Object> prov = Report.provenance(suite, results, master, (System.nanoTime() - t0) / 1e9);
            SuiteFs.writeString(SuiteFs.join(out, Report.TABLE_MD), table);
            SuiteFs.writeString(SuiteFs.join(out, Report.SUMMARY_CSV), Report.csv(sums));
            SuiteFs.writeString(SuiteFs.join(out, Report.SUMMARY_JSON), Report.json(suite, sums, results, prov));
            Report.writePng(SuiteFs.join(out, Report.BUDGET_PNG), Report.budgetCharts(suite, sums));
            Report.writePng(SuiteFs.join(out, Report.CURVES_PNG), Report.curveCharts(suite, results));
            return new Outcome(results, sums, table, prov);
        }
    }
}
