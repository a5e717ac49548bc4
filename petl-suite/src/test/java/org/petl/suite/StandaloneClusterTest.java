package org.petl.suite;

import org.apache.spark.SparkConf;
import org.apache.spark.deploy.master.Master;
import org.apache.spark.deploy.worker.Worker;
import org.apache.spark.rpc.RpcEnv;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --master spark://HOST:PORT}: a real standalone Spark master and one worker, both started in this JVM on
 * the loopback address; the worker launches a separate executor JVM (Spark's own ExecutorRunner) that trains the
 * cells with its own ND4J backend. Nothing is downloaded: the executor's classpath is this test's classpath, and
 * the worker's "Spark home" is an empty folder with the jars/ directory Spark's command builder looks for.
 */
@Tag("slow")
class StandaloneClusterTest {

    private static final List<String> PROPS = List.of("spark.executor.extraClassPath", "spark.executor.memory", "spark.executor.extraJavaOptions",
            "spark.executorEnv.SPARK_SCALA_VERSION", "spark.executorEnv.OMP_NUM_THREADS", "spark.driver.host", "spark.driver.bindAddress", "spark.cores.max");

    @Test
    void aTinySuiteOnAStandaloneMasterAndOneWorker(@TempDir Path tmp) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("spark-home"));
        Files.createDirectories(home.resolve("jars"));
        SparkConf daemons = new SparkConf(false).set("spark.ui.enabled", "false");
        RpcEnv master = Master.startRpcEnvAndEndpoint("127.0.0.1", 0, 0, daemons)._1();
        String url = "spark://127.0.0.1:" + master.address().port();
        RpcEnv worker = null;
        // the worker takes its Spark home from spark.test.home when spark.testing is set: only while it starts
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        try {
            worker = Worker.startRpcEnvAndEndpoint("127.0.0.1", 0, 0, 1, 4096, new String[]{url}, tmp.resolve("work").toString(),
                    Option.empty(), new SparkConf(false).set("spark.ui.enabled", "false"), Option.empty());
        } finally {
            System.clearProperty("spark.testing");
            System.clearProperty("spark.test.home");
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        System.setProperty("spark.executor.extraClassPath", cp);
        System.setProperty("spark.executor.memory", "3g");
        System.setProperty("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=4G -Dorg.bytedeco.javacpp.maxphysicalbytes=8G");
        System.setProperty("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
        System.setProperty("spark.executorEnv.OMP_NUM_THREADS", "1");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        System.setProperty("spark.cores.max", "1");
        try {
            String json = """
                    {"name": "standalone", "tasks": ["polarity"], "models": ["minilm-l6"],
                     "subsample": {"train": 16, "dev": 8, "test": 8},
                     "hyper": {"epochs": 1, "batch": 8, "max_len": 24, "max_steps": 2, "lr": 5e-3},
                     "methods": [{"label": "LoRA", "spec": "lora:r=2,s=2"}],
                     "seeds": [1, 2]}
                    """;
            String out = tmp.resolve("out").toUri().toString();   // a file:// URI: the Hadoop FileSystem path
            SuiteRun.Outcome o = SuiteRun.run(Suite.parse(json, "standalone.json"), out, url);
            assertEquals(2, o.results().size());
            for (CellResult r : o.results()) {
                assertEquals(CellResult.OK, r.status(), r.toString());
                assertEquals(2, r.steps());
            }
            assertEquals(Map.of("master", url), Map.of("master", o.provenance().get("master")));
            assertTrue(Files.isRegularFile(tmp.resolve("out").resolve(Report.TABLE_MD)));
            // the executor was a separate process: its work folder holds its stdout/stderr
            try (var s = Files.walk(tmp.resolve("work"))) {
                assertTrue(s.anyMatch(p -> p.getFileName().toString().equals("stderr")), "no executor process ran");
            }
        } finally {
            PROPS.forEach(System::clearProperty);
            if (worker != null) worker.shutdown();
            master.shutdown();
        }
    }
}
