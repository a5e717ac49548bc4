package org.petl.suite;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.petl.eval.Bootstrap;
import org.petl.eval.ConfidenceInterval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.median;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * Spark: the cells run as Spark tasks (one task per cell, one core each: {@code local[N]} inside this process by
 * default, or a cluster), and the collected rows are aggregated over seeds as a {@code Dataset}.
 */
public final class SuiteEngine implements AutoCloseable {

    /** Bootstrap draws and seed of the interval over seeds (rouge_score's defaults; a fixed seed makes tables repeat). */
    static final int BOOTSTRAP_SAMPLES = Bootstrap.DEFAULT_SAMPLES;
    static final long BOOTSTRAP_SEED = 0;

    private final SparkSession spark;

    public SuiteEngine(String master, String appName) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                // a failed cell is a result, not a task failure: never retried by Spark
                .set("spark.task.maxFailures", "1")
                .set("spark.sql.shuffle.partitions", "4")
                .set("spark.sql.adaptive.enabled", "false")
                // a cell is one long task: on a loaded machine its heartbeats may come late; do not let Spark give up on it
                .set("spark.executor.heartbeatInterval", "60s")
                .set("spark.network.timeout", "3600s");
        if (master.startsWith("local")) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        spark = SparkSession.builder().config(conf).getOrCreate();
    }

    public SparkSession spark() {
        return spark;
    }

    /** Runs every cell; the results come back in cell order. */
    public List<CellResult> run(List<Cell> cells, String outRoot) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setJobDescription("petl suite: " + cells.size() + " cells");
        return jsc.parallelize(cells, Math.max(1, cells.size())).map(c -> CellRunner.run(c, outRoot)).collect();
    }

    static final StructType SCHEMA = new StructType()
            .add("task", DataTypes.StringType).add("model", DataTypes.StringType).add("label", DataTypes.StringType)
            .add("spec", DataTypes.StringType).add("hyper", DataTypes.StringType).add("seed", DataTypes.LongType)
            .add("status", DataTypes.StringType).add("reason", DataTypes.StringType).add("value", DataTypes.DoubleType)
            .add("dev", DataTypes.DoubleType).add("test", DataTypes.DoubleType).add("trainable", DataTypes.LongType)
            .add("trainable_percent", DataTypes.DoubleType).add("train_seconds", DataTypes.DoubleType).add("steps", DataTypes.LongType)
            .add("folder", DataTypes.StringType).add("config_hash", DataTypes.StringType).add("order", DataTypes.IntegerType);

    public Dataset<Row> rows(List<CellResult> results) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            CellResult r = results.get(i);
            Cell c = r.cell();
            rows.add(RowFactory.create(c.task(), c.model(), c.label(), c.spec(), c.hyper().shortKey(), c.seed(), r.status(), r.reason(),
                    r.failed() ? null : r.value(), r.failed() ? null : r.dev(), r.failed() ? null : r.test(), r.trainable(),
                    r.failed() ? null : r.trainablePercent(), r.trainSeconds(), r.steps(), r.folder(), c.hash(), i));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }

    public static void writeParquet(Dataset<Row> rows, String path) {
        rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /**
     * Median, mean and sample standard deviation over the finished seeds of each (task, model, method, grid point),
     * computed by Spark; the bootstrap interval of the mean over seeds by petl-eval when {@code bootstrap} is set.
     */
    public static List<Summary> aggregate(Dataset<Row> rows, boolean bootstrap) {
        Column ok = col("status").notEqual(lit(CellResult.FAILED));
        Dataset<Row> g = rows.groupBy("task", "model", "label", "spec", "hyper").agg(
                count(when(ok, lit(1))).as("n"),
                count(when(ok.unary_$bang(), lit(1))).as("failed"),
                median(when(ok, col("value"))).as("median"),
                avg(when(ok, col("value"))).as("mean"),
                stddev_samp(when(ok, col("value"))).as("std"),
                max(when(ok, col("trainable_percent"))).as("trainable_percent"),
                max(when(ok, col("trainable"))).as("trainable"),
                collect_list(when(ok, struct(col("seed"), col("value")))).as("values"),
                collect_list(when(ok.unary_$bang(), col("reason"))).as("reasons"),
                org.apache.spark.sql.functions.min("order").as("order"));
        List<Summary> out = new ArrayList<>();
        List<Row> collected = new ArrayList<>(g.collectAsList());
        collected.sort(Comparator.comparingInt(r -> r.getInt(r.fieldIndex("order"))));
        for (Row r : collected) {
            List<Row> vs = new ArrayList<>(r.getList(r.fieldIndex("values")));
            vs.sort(Comparator.comparingLong(v -> v.getLong(0)));
            List<Double> values = vs.stream().map(v -> v.getDouble(1)).toList();
            double lo = Double.NaN, hi = Double.NaN;
            if (bootstrap && !values.isEmpty()) {
                ConfidenceInterval ci = Bootstrap.meanInterval(values.stream().mapToDouble(Double::doubleValue).toArray(), BOOTSTRAP_SAMPLES,
                        Bootstrap.DEFAULT_CONFIDENCE, BOOTSTRAP_SEED);
                lo = ci.low();
                hi = ci.high();
            }
            out.add(new Summary(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                    (int) r.getLong(r.fieldIndex("n")), (int) r.getLong(r.fieldIndex("failed")), dbl(r, "median"), dbl(r, "mean"), dbl(r, "std"),
                    lo, hi, dbl(r, "trainable_percent"), r.isNullAt(r.fieldIndex("trainable")) ? 0 : r.getLong(r.fieldIndex("trainable")),
                    values, r.getList(r.fieldIndex("reasons"))));
        }
        return out;
    }

    private static double dbl(Row r, String f) {
        int i = r.fieldIndex(f);
        return r.isNullAt(i) ? Double.NaN : ((Number) r.get(i)).doubleValue();
    }

    public static String sparkVersion() {
        return org.apache.spark.package$.MODULE$.SPARK_VERSION();
    }

    @Override
    public void close() {
        spark.stop();
    }
}
