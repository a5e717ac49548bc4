package org.petl.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.petl.tasks.train.MetricsReport;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The suite's outputs in the paper's layout: rows methods, columns tasks (with trainable %), the paper's number
 * beside each cell where known; JSON and CSV of the same; PNG plots; the provenance block.
 */
public final class Report {

    public static final String TABLE_MD = "table.md", SUMMARY_JSON = "summary.json", SUMMARY_CSV = "summary.csv",
            BUDGET_PNG = "metric-vs-trainable.png", CURVES_PNG = "learning-curves.png", PARQUET = "results.parquet";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {
    }

    /** Accuracy-like metrics are fractions; the table shows them in points (×100), as the paper does. */
    static double scale(String metric) {
        return metric.endsWith("accuracy") ? 100 : 1;
    }

    /**
     * One table row per method label and grid point, in suite order: a label swept over several grid points gets
     * the hyper-parameters that tell its points apart, e.g. {@code PA [lr=0.003]}.
     */
    static String rowName(Summary s, List<Summary> all) {
        List<Set<String>> points = all.stream().filter(o -> o.label().equals(s.label())).map(o -> Set.of(o.hyperKey().isEmpty() ? new String[0] : o.hyperKey().split(" "))).distinct().toList();
        if (points.size() < 2) return s.label();
        List<String> differing = new ArrayList<>();
        for (String kv : s.hyperKey().split(" ")) if (!points.stream().allMatch(p -> p.contains(kv))) differing.add(kv);
        return s.label() + " [" + String.join(" ", differing) + "]";
    }

    public static String markdown(Suite suite, List<Summary> sums) {
        boolean oneModelEach = suite.taskModels().values().stream().allMatch(l -> l.size() == 1);
        boolean paper = !suite.paper().isEmpty();
        StringBuilder b = new StringBuilder();
        StringBuilder rule = new StringBuilder("|---|---|");
        b.append("| method | trainable % |");
        for (String t : suite.tasks()) {
            for (String m : suite.taskModels().get(t)) {
                b.append(' ').append(oneModelEach ? t : t + " / " + m).append(' ').append(suite.metric(t)).append(" |").append(paper ? " paper |" : "");
                rule.append("---|").append(paper ? "---|" : "");
            }
        }
        b.append('\n').append(rule);
        b.append('\n');
        Map<String, Map<String, Summary>> byRow = new LinkedHashMap<>();
        for (Summary s : sums) byRow.computeIfAbsent(rowName(s, sums), x -> new LinkedHashMap<>()).put(s.task() + "|" + s.model(), s);
        List<String> notes = new ArrayList<>();
        for (var row : byRow.entrySet()) {
            Summary any = row.getValue().values().iterator().next();
            Set<String> pct = new LinkedHashSet<>();
            for (Summary s : row.getValue().values()) if (Double.isFinite(s.trainablePercent())) pct.add(String.format(Locale.ROOT, "%.2f%%", s.trainablePercent()));
            b.append("| ").append(row.getKey()).append(" | ").append(pct.isEmpty() ? "—" : String.join(" / ", pct)).append(" |");
            for (String t : suite.tasks()) {
                for (String m : suite.taskModels().get(t)) {
                    Summary s = row.getValue().get(t + "|" + m);
                    b.append(' ').append(s == null ? "—" : cellText(s, scale(suite.metric(t)), suite.aggregate())).append(" |");
                    if (paper) {
                        Double p = suite.paper().getOrDefault(any.label(), Map.of()).get(t);
                        b.append(' ').append(p == null ? "—" : String.format(Locale.ROOT, "%.1f", p)).append(" |");
                    }
                    if (s != null && s.failed() > 0) notes.add(row.getKey() + " on " + t + ": " + s.failed() + " of " + (s.n() + s.failed()) + " seeds failed: " + String.join("; ", new LinkedHashSet<>(s.reasons())));
                }
            }
            b.append('\n');
        }
        StringBuilder legend = new StringBuilder();
        legend.append("\nEach cell: median over seeds");
        if (suite.aggregate().contains(Suite.Aggregation.MEAN_STD)) legend.append(" (mean ± sample std, n seeds)");
        if (suite.aggregate().contains(Suite.Aggregation.BOOTSTRAP)) legend.append(" [bootstrap 95% interval of the mean over seeds]");
        legend.append("; ✗ marks failed seeds.");
        if (paper) legend.append(" \"paper\": the number the paper reports for that row, where known (— where not transcribed).");
        b.append(legend).append('\n');
        for (String n : notes) b.append("\n✗ ").append(n);
        return b.toString().strip() + "\n";
    }

    static String cellText(Summary s, double k, List<Suite.Aggregation> agg) {
        StringBuilder b = new StringBuilder();
        if (s.n() == 0) {
            b.append("✗ failed");
        } else {
            b.append(String.format(Locale.ROOT, "%.1f", k * s.median()));
            if (agg.contains(Suite.Aggregation.MEAN_STD)) {
                b.append(String.format(Locale.ROOT, " (%.1f ± %s, n=%d)", k * s.mean(), Double.isFinite(s.std()) ? String.format(Locale.ROOT, "%.1f", k * s.std()) : "—", s.n()));
            }
            if (agg.contains(Suite.Aggregation.BOOTSTRAP) && Double.isFinite(s.ciLow())) {
                b.append(String.format(Locale.ROOT, " [%.1f, %.1f]", k * s.ciLow(), k * s.ciHigh()));
            }
            if (s.failed() > 0) b.append(" ✗").append(s.failed());
        }
        return b.toString();
    }

    public static String csv(List<Summary> sums) {
        StringBuilder b = new StringBuilder("task,model,method,spec,hyper,trainable_percent,trainable,n,failed,median,mean,std,ci_low,ci_high\n");
        for (Summary s : sums) {
            b.append(String.join(",", q(s.task()), q(s.model()), q(s.label()), q(s.spec()), q(s.hyperKey()), num(s.trainablePercent()), Long.toString(s.trainable()),
                    Integer.toString(s.n()), Integer.toString(s.failed()), num(s.median()), num(s.mean()), num(s.std()), num(s.ciLow()), num(s.ciHigh()))).append('\n');
        }
        return b.toString();
    }

    private static String q(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static String num(double d) {
        return Double.isFinite(d) ? Double.toString(d) : "";
    }

    /** petl version, git commit, data hashes, machine, Spark. */
    public static Map<String, Object> provenance(Suite suite, List<CellResult> results, String master, double seconds) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("suite", suite.name());
        p.put("size", suite.size());
        p.put("reproduces", suite.reproduces());
        p.put("sizes", suite.sizeNote());
        p.put("versions", MetricsReport.versions());
        p.put("spark", SuiteEngine.sparkVersion());
        p.put("master", master);
        p.put("git_commit", gitCommit());
        Map<String, Map<String, String>> data = new TreeMap<>();
        for (CellResult r : results) if (!r.dataHashes().isEmpty()) data.computeIfAbsent(r.cell().task(), t -> new TreeMap<>()).putAll(r.dataHashes());
        p.put("data_sha256", data);
        Map<String, Object> machine = new LinkedHashMap<>();
        try {
            machine.put("host", InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            machine.put("host", "unknown");
        }
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memory_gib", ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() / (double) (1L << 30));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        p.put("machine", machine);
        p.put("cells", results.size());
        p.put("cells_trained", results.stream().filter(r -> r.status().equals(CellResult.OK)).count());
        p.put("cells_cached", results.stream().filter(r -> r.status().equals(CellResult.CACHED)).count());
        p.put("cells_failed", results.stream().filter(CellResult::failed).count());
        p.put("wall_seconds", seconds);
        return p;
    }

    /** The commit of the working folder's git checkout, or "unknown". */
    static String gitCommit() {
        try {
            Process pr = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes()).strip();
            if (pr.waitFor() != 0 || !out.matches("[0-9a-f]{40}")) return "unknown";
            Process st = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no").redirectErrorStream(true).start();
            String dirty = new String(st.getInputStream().readAllBytes()).strip();
            st.waitFor();
            return dirty.isEmpty() ? out : out + "+uncommitted";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    public static String json(Suite suite, List<Summary> sums, List<CellResult> results, Map<String, Object> provenance) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("suite", suite.name());
        m.put("metric", suite.metric());
        m.put("provenance", provenance);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Summary s : sums) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("task", s.task());
            r.put("model", s.model());
            r.put("method", s.label());
            r.put("spec", s.spec());
            r.put("hyper", s.hyperKey());
            r.put("trainable_percent", fin(s.trainablePercent()));
            r.put("trainable", s.trainable());
            r.put("n", s.n());
            r.put("failed", s.failed());
            r.put("median", fin(s.median()));
            r.put("mean", fin(s.mean()));
            r.put("std", fin(s.std()));
            r.put("ci95", Double.isFinite(s.ciLow()) ? List.of(s.ciLow(), s.ciHigh()) : null);
            r.put("values", s.values());
            r.put("failures", s.reasons());
            r.put("paper", suite.paper().getOrDefault(s.label(), Map.of()).get(s.task()));
            rows.add(r);
        }
        m.put("rows", rows);
        List<Map<String, Object>> cells = new ArrayList<>();
        for (CellResult r : results) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("cell", r.cell().id());
            c.put("method", r.cell().label());
            c.put("seed", r.cell().seed());
            c.put("status", r.status());
            c.put("reason", r.reason());
            c.put("value", fin(r.value()));
            c.put("folder", r.folder());
            c.put("config_hash", r.cell().hash());
            cells.add(c);
        }
        m.put("cells", cells);
        return JSON.writeValueAsString(m);
    }

    private static Double fin(double d) {
        return Double.isFinite(d) ? d : null;
    }

    /** The metric against trainable % per method (the paper's Figure 1 / budget curves), one panel per task. */
    public static List<XYChart> budgetCharts(Suite suite, List<Summary> sums) {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        for (String t : suite.tasks()) {
            double k = scale(suite.metric(t));
            XYChart c = new XYChartBuilder().width(720).height(480).title(t + ": " + suite.metric(t) + " vs trainable %")
                    .xAxisTitle("trainable % of the base model").yAxisTitle(suite.metric(t)).build();
            c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            Map<String, List<double[]>> byMethod = new LinkedHashMap<>();
            for (Summary s : sums) {
                if (!s.task().equals(t) || s.n() == 0 || !Double.isFinite(s.trainablePercent())) continue;
                // a budget sweep of one preset is one line; distinct methods are one point each
                String series = s.label().replaceAll("\\s*[@(]?\\s*[0-9.]+%\\)?$", "").strip();
                byMethod.computeIfAbsent(series, x -> new ArrayList<>()).add(new double[]{s.trainablePercent(), k * s.median()});
            }
            for (var e : byMethod.entrySet()) {
                List<double[]> pts = e.getValue();
                pts.sort(java.util.Comparator.comparingDouble(p -> p[0]));
                c.addSeries(e.getKey(), pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray())
                        .setMarker(SeriesMarkers.CIRCLE);
            }
            charts.add(c);
        }
        return charts;
    }

    /** The dev metric (accuracy, ROUGE-2, BLEU) against the step, one line per method and seed, one panel per task. */
    public static List<XYChart> curveCharts(Suite suite, List<CellResult> results) {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> charts = new ArrayList<>();
        for (String t : suite.tasks()) {
            String dev = suite.metric(t).replaceFirst("^(test|best_dev|dev)_", "dev ").replace("_", " ");
            XYChart c = new XYChartBuilder().width(720).height(480).title(t + ": " + dev + " over training, each seed").xAxisTitle("step").yAxisTitle(dev).build();
            Set<String> names = new java.util.HashSet<>();
            for (CellResult r : results) {
                if (!r.cell().task().equals(t) || r.curve().isEmpty()) continue;
                String name = r.cell().label() + (r.cell().hyper().shortKey().isEmpty() ? "" : " [" + r.cell().hyper().shortKey() + "]") + " s" + r.cell().seed()
                        + (r.cell().model().equals(suite.models().get(0)) ? "" : " " + r.cell().model());
                if (!names.add(name)) continue;
                c.addSeries(name, r.curve().stream().mapToDouble(p -> p[0]).toArray(), r.curve().stream().mapToDouble(p -> p[1]).toArray()).setMarker(SeriesMarkers.CIRCLE);
            }
            charts.add(c);
        }
        return charts;
    }

    public static void writePng(String path, List<XYChart> charts) throws IOException {
        if (charts.isEmpty()) return;
        SuiteFs.write(path, out -> BitmapEncoder.saveBitmap(new ArrayList<>(charts), 1, charts.size(), out, BitmapEncoder.BitmapFormat.PNG));
    }
}
