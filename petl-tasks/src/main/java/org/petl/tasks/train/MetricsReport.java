package org.petl.tasks.train;

import java.awt.BasicStroke;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.petl.core.io.AtomicFiles;

/**
 * What a run leaves behind for the paper table: {@code metrics.json} (config, parameter counts, seeds, versions,
 * data hashes, the eval history and the final metrics) and {@code learning-curve.png} (training loss and the dev
 * metric against the step). Collect with the {@code add*}/{@code set*} methods during training, then {@link #write}.
 */
public final class MetricsReport {

    public static final String METRICS_JSON = "metrics.json", CURVE_PNG = "learning-curve.png";

    /** One evaluation: the step, the epoch, and the metrics by name (e.g. {@code accuracy}). */
    public record EvalPoint(long step, int epoch, Map<String, Double> metrics) {
        public EvalPoint {
            metrics = new LinkedHashMap<>(metrics);
        }
    }

    /** One logged training loss. */
    public record LossPoint(long step, double loss) {
    }

    private final Map<String, Object> config = new LinkedHashMap<>();
    private final Map<String, Object> parameterCounts = new LinkedHashMap<>();
    private final Map<String, Long> seeds = new LinkedHashMap<>();
    private final Map<String, String> dataHashes = new LinkedHashMap<>();
    private final List<EvalPoint> evals = new ArrayList<>();
    private final List<LossPoint> losses = new ArrayList<>();
    private final Map<String, Object> finalMetrics = new LinkedHashMap<>();
    private String devMetric = "accuracy";

    public MetricsReport config(Map<String, ?> c) {
        config.putAll(c);
        return this;
    }

    /** e.g. {@code trainable}, {@code total}, {@code trainable_percent}, per-module counts. */
    public MetricsReport parameterCounts(Map<String, ?> counts) {
        parameterCounts.putAll(counts);
        return this;
    }

    public MetricsReport seed(String name, long seed) {
        seeds.put(name, seed);
        return this;
    }

    /** Split or file name to SHA-256 (from {@code Dataset.provenance()}). */
    public MetricsReport dataHash(String name, String sha256) {
        dataHashes.put(name, sha256);
        return this;
    }

    /** Which eval metric the curve plots (default {@code accuracy}). */
    public MetricsReport devMetric(String name) {
        devMetric = name;
        return this;
    }

    public MetricsReport addLoss(long step, double loss) {
        losses.add(new LossPoint(step, loss));
        return this;
    }

    public MetricsReport addEval(long step, int epoch, Map<String, Double> metrics) {
        evals.add(new EvalPoint(step, epoch, metrics));
        return this;
    }

    public MetricsReport finalMetrics(Map<String, ?> m) {
        finalMetrics.putAll(m);
        return this;
    }

    public List<EvalPoint> evals() {
        return List.copyOf(evals);
    }

    /** java, petl, nd4j versions and the OS, for metrics.json. */
    public static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        v.put("petl", mavenVersion("org.petl", "petl-tasks", MetricsReport.class));
        v.put("nd4j", mavenVersion("org.nd4j", "nd4j-api", org.nd4j.linalg.factory.Nd4j.class));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return v;
    }

    /** The report as the map metrics.json holds. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", config);
        m.put("parameters", parameterCounts);
        m.put("seeds", seeds);
        m.put("versions", versions());
        m.put("data", dataHashes);
        m.put("eval_history", evals);
        m.put("loss_history", losses);
        m.put("final", finalMetrics);
        return m;
    }

    /** Writes {@code metrics.json} and {@code learning-curve.png} into {@code runDir}, each atomically. */
    public void write(Path runDir) {
        try {
            String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toMap());
            AtomicFiles.writeString(runDir.resolve(METRICS_JSON), json + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode metrics.json: " + e.getMessage(), e);
        }
        writeCurve(runDir.resolve(CURVE_PNG));
    }

    /** Two panels side by side: training loss vs step, dev metric vs step. Headless-safe. */
    public void writeCurve(Path png) {
        System.setProperty("java.awt.headless", "true");
        XYChart loss = chart("training loss", "loss");
        if (!losses.isEmpty()) {
            loss.addSeries("train loss", losses.stream().mapToDouble(LossPoint::step).toArray(),
                    losses.stream().mapToDouble(LossPoint::loss).toArray()).setMarker(SeriesMarkers.NONE);
        }
        XYChart dev = chart("dev " + devMetric, devMetric);
        List<EvalPoint> withMetric = evals.stream().filter(e -> e.metrics().containsKey(devMetric)).toList();
        if (!withMetric.isEmpty()) {
            dev.addSeries("dev " + devMetric, withMetric.stream().mapToDouble(EvalPoint::step).toArray(),
                    withMetric.stream().mapToDouble(e -> e.metrics().get(devMetric)).toArray()).setLineStyle(new BasicStroke(2f));
        }
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(List.of(loss, dev), 1, 2, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("step").yAxisTitle(yTitle).build();
        c.getStyler().setLegendVisible(false);
        return c;
    }

    private static String mavenVersion(String group, String artifact, Class<?> anchor) {
        String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = anchor.getResourceAsStream(path)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null) return v;
            }
        } catch (IOException ignored) {
            // fall through to the manifest
        }
        String v = anchor.getPackage() == null ? null : anchor.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
