package org.petl.suite;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.petl.eval.Bootstrap;
import org.petl.eval.ConfidenceInterval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Spark's median / mean / sample std over seeds against plain arithmetic, the interval against petl-eval's bootstrap. */
class AggregationTest {

    static SuiteEngine engine;

    @BeforeAll
    static void start() {
        engine = new SuiteEngine("local[1]", "aggregation test");
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static CellResult result(Cell c, double v, double pct) {
        return new CellResult(c, "f", CellResult.OK, null, v, v, v, 1000, 100000, pct, 1, 1, List.of(), Map.of());
    }

    @Test
    void medianMeanStdAndBootstrapOverSeeds() {
        Suite s = Suite.parse(SuiteParseTest.GOOD, "agg.json");
        List<Cell> cells = s.cells();
        // LoRA: seeds 1, 2; PA: (lr 1e-3: seeds 1, 2), (lr 3e-3: seeds 1, 2)
        double[] values = {0.81, 0.74, 0.60, 0.66, 0.9, 0.0};
        List<CellResult> rs = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            rs.add(i == 5 ? CellResult.failure(cells.get(i), "f", "loss is NaN at step 3") : result(cells.get(i), values[i], 0.33));
        }
        List<Summary> sums = SuiteEngine.aggregate(engine.rows(rs), true);
        assertEquals(3, sums.size(), sums.toString());

        Summary lora = sums.get(0);
        assertEquals("LoRA", lora.label());
        assertEquals(2, lora.n());
        assertEquals(0, lora.failed());
        assertEquals((0.81 + 0.74) / 2, lora.median(), 1e-12);
        assertEquals((0.81 + 0.74) / 2, lora.mean(), 1e-12);
        assertEquals(Math.sqrt((Math.pow(0.81 - 0.775, 2) + Math.pow(0.74 - 0.775, 2)) / 1), lora.std(), 1e-12);
        ConfidenceInterval ci = Bootstrap.meanInterval(new double[]{0.81, 0.74}, Bootstrap.DEFAULT_SAMPLES, Bootstrap.DEFAULT_CONFIDENCE, SuiteEngine.BOOTSTRAP_SEED);
        assertEquals(ci.low(), lora.ciLow(), 0);
        assertEquals(ci.high(), lora.ciHigh(), 0);
        assertTrue(lora.ciLow() >= 0.74 && lora.ciHigh() <= 0.81 && lora.ciLow() < lora.ciHigh(), lora.toString());
        assertEquals(List.of(0.81, 0.74), lora.values());

        Summary paFailed = sums.get(2);
        assertEquals(1, paFailed.n());
        assertEquals(1, paFailed.failed());
        assertEquals(0.9, paFailed.median(), 1e-12);
        assertTrue(Double.isNaN(paFailed.std()), "one seed has no sample std");
        assertEquals(List.of("loss is NaN at step 3"), paFailed.reasons());

        String md = Report.markdown(s, sums);
        assertTrue(md.contains("| LoRA | 0.33% | 77.5 (77.5 ± 4.9, n=2) ["), md);
        assertTrue(md.contains("90.0 (90.0 ± —, n=1) [90.0, 90.0] ✗1"), md);
        assertTrue(md.contains("✗ PA 0.1% [lr=0.003"), md);
        assertTrue(md.contains("loss is NaN at step 3"), md);
        assertTrue(md.contains("| 80.0 |"), "the paper's number beside LoRA: " + md);
        String csv = Report.csv(sums);
        assertEquals(4, csv.lines().count(), csv);

        // a larger sample: Spark's median is the exact one (average of the middle two), std the sample std
        double[] many = {0.5, 0.9, 0.1, 0.7, 0.3, 0.8};
        List<CellResult> more = new ArrayList<>();
        Cell base = cells.get(0);
        for (int i = 0; i < many.length; i++) {
            more.add(result(new Cell(base.suite(), base.task(), base.model(), base.data(), base.label(), base.spec(), base.hyper(), 100 + i, base.subsample(), base.metric()), many[i], 1));
        }
        Summary m = SuiteEngine.aggregate(engine.rows(more), false).get(0);
        double[] sorted = many.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(many).average().orElseThrow();
        double var = Arrays.stream(many).map(x -> (x - mean) * (x - mean)).sum() / (many.length - 1);
        assertEquals((sorted[2] + sorted[3]) / 2, m.median(), 1e-12);
        assertEquals(mean, m.mean(), 1e-12);
        assertEquals(Math.sqrt(var), m.std(), 1e-12);
        assertTrue(Double.isNaN(m.ciLow()), "no bootstrap unless asked");
    }
}
