package org.petl.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Suite files: the cells they expand to, and a one-line error naming the file and field for each kind of mistake. */
class SuiteParseTest {

    static final String GOOD = """
            {"name": "t", "tasks": ["polarity"], "models": ["minilm-l6"],
             "subsample": {"train": 64, "dev": 16, "test": 16},
             "hyper": {"lr": [1e-3, 3e-3], "epochs": 1, "batch": 8},
             "methods": [{"label": "LoRA", "spec": "lora:r=4,s=2", "hyper": {"lr": 5e-3}},
                         {"label": "PA 0.1%", "method": "pa", "budget": 0.1}],
             "seeds": [1, 2], "metric": "test_accuracy", "aggregate": ["median", "mean_std", "bootstrap"],
             "paper": {"LoRA": {"polarity": 80.0}}}
            """;

    @Test
    void cellsAreTheProductAndMethodHyperParametersOverrideTheSuitesGrid() {
        Suite s = Suite.parse(GOOD, "good.json");
        List<Cell> cells = s.cells();
        // LoRA's own lr replaces the suite's lr sweep: 1 grid point x 2 seeds; PA sweeps the suite's 2 lrs x 2 seeds
        assertEquals(6, cells.size(), cells.toString());
        assertTrue(cells.stream().filter(c -> c.label().equals("LoRA")).allMatch(c -> c.hyper().lr() == 5e-3), cells.toString());
        assertEquals(java.util.Set.of(1e-3, 3e-3), cells.stream().filter(c -> c.label().startsWith("PA")).map(c -> c.hyper().lr()).collect(java.util.stream.Collectors.toSet()));
        Cell pa = cells.stream().filter(c -> c.label().equals("PA 0.1%")).findFirst().orElseThrow();
        assertTrue(pa.spec().startsWith("pa:r="), pa.spec());
        assertEquals(64, pa.subsample().train());
        assertEquals(1, pa.hyper().epochs());
        assertEquals(8, pa.hyper().batch());
        assertEquals(List.of(Suite.Aggregation.MEDIAN, Suite.Aggregation.MEAN_STD, Suite.Aggregation.BOOTSTRAP), s.aggregate());
        assertEquals(80.0, s.paper().get("LoRA").get("polarity"));
    }

    @Test
    void theConfigHashTracksWhatTrainsAndNothingElse() {
        Cell a = Suite.parse(GOOD, "x").cells().get(0);
        Cell relabelled = new Cell(a.suite(), a.task(), a.model(), a.data(), "another label", a.spec(), a.hyper(), a.seed(), a.subsample(), "dev_accuracy");
        assertEquals(a.hash(), relabelled.hash(), "label and reported metric do not change the run");
        Cell otherLr = new Cell(a.suite(), a.task(), a.model(), a.data(), a.label(), a.spec(), a.hyper().with("lr", 0.5, "t"), a.seed(), a.subsample(), a.metric());
        Cell otherSeed = new Cell(a.suite(), a.task(), a.model(), a.data(), a.label(), a.spec(), a.hyper(), a.seed() + 1, a.subsample(), a.metric());
        Cell otherSub = new Cell(a.suite(), a.task(), a.model(), a.data(), a.label(), a.spec(), a.hyper(), a.seed(), new Cell.Subsample(1, 2, 3), a.metric());
        for (Cell c : List.of(otherLr, otherSeed, otherSub)) {
            assertNotEquals(a.hash(), c.hash());
            assertNotEquals(a.folder(), c.folder());
        }
        assertEquals(64, a.hash().length());
        assertTrue(a.folder().matches("polarity/minilm-l6/[^/]+/seed1-[0-9a-f]{12}"), a.folder());
    }

    private static String error(String json) {
        SuiteException e = assertThrows(SuiteException.class, () -> Suite.parse(json, "bad.json"));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith("suite bad.json"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void mistakesAreOneLineNamingTheField() {
        assertTrue(error("{").contains("not valid JSON (line"));
        assertTrue(error("[]").contains("expected a JSON object"));
        assertTrue(error(GOOD.replace("\"tasks\"", "\"taskz\"")).contains("unknown field 'taskz'"));
        assertTrue(error(GOOD.replace("[\"polarity\"]", "[\"poetry\"]")).contains("tasks[0]: unknown task 'poetry'"));
        assertTrue(error(GOOD.replace("lora:r=4,s=2", "lora:r=four")).contains("methods[0].spec:"));
        assertTrue(error(GOOD.replace("\"budget\": 0.1", "\"budget\": \"lots\"")).contains("methods[1]: budget:"));
        assertTrue(error(GOOD.replace("\"method\": \"pa\"", "\"method\": \"bitfit\"")).contains("methods[1]: budget: no size"));
        assertTrue(error(GOOD.replace("\"epochs\": 1", "\"epochs\": 0")).contains("epochs must be positive"));
        assertTrue(error(GOOD.replace("\"epochs\": 1", "\"epochs\": 1.5")).contains("hyper.epochs: expected a whole number"));
        assertTrue(error(GOOD.replace("\"batch\": 8", "\"btach\": 8")).contains("hyper: unknown hyper-parameter 'btach'"));
        assertTrue(error(GOOD.replace("[1, 2]", "[1, 1]")).contains("seeds: [1, 1] lists a seed twice"));
        assertTrue(error(GOOD.replace("[1, 2]", "[]")).contains("seeds: expected a non-empty list"));
        assertTrue(error(GOOD.replace("test_accuracy", "vibes")).contains("metric: unknown 'vibes'"));
        assertTrue(error(GOOD.replace("\"mean_std\"", "\"mode\"")).contains("aggregate[1]: unknown aggregation 'mode'"));
        assertTrue(error(GOOD.replace("\"PA 0.1%\"", "\"LoRA\"")).contains("label 'LoRA' is used twice"));
        assertTrue(error(GOOD.replace("{\"LoRA\": {\"polarity\"", "{\"LoRA\": {\"mnli\"")).contains("paper.LoRA.mnli: not one of the suite's tasks"));
        assertTrue(error(GOOD.replace("\"test\": 16", "\"test\": -1")).contains("subsample.test: expected a whole number >= 0"));
        assertTrue(error(GOOD.replace("[\"minilm-l6\"]", "[\"/some/folder\"]")).contains("a budget needs a known architecture"));
    }

    @Test
    void builtInSuitesExistInBothSizesAndFilesRejectSize(@TempDir Path tmp) throws Exception {
        for (String name : Suite.BUILT_IN) {
            for (String size : Suite.SIZES) {
                Suite s = Suite.load(name, size);
                assertFalse(s.cells().isEmpty(), name + " " + size);
                assertEquals(size, s.size());
                assertNotNull(s.sizeNote(), name + " " + size + " states its sizes");
            }
        }
        // the paper-size tables carry the paper's number for every row and task (the budget curves are plotted, not tabulated)
        for (String name : List.of("paper-table-2", "paper-table-3", "paper-table-4", "paper-table-5")) {
            Suite s = Suite.load(name, "paper");
            for (Suite.MethodEntry m : s.methods())
                for (String t : s.tasks())
                    assertNotNull(s.paper().getOrDefault(m.label(), Map.of()).get(t), name + ": paper number for " + m.label() + " on " + t);
        }
        assertEquals(20.66, Suite.load("paper-table-3", "paper").paper().get("PA (ffn), r=200").get("xsum"));
        assertEquals(35.3, Suite.load("paper-table-4", "paper").paper().get("MH PA (attn), r=30").get("wmt16-en-ro"));
        Suite local = Suite.load("paper-table-3", null);
        assertEquals("local", local.size());
        assertTrue(local.models().contains("minilm-l6"));
        Suite paper = Suite.load("paper-table-3", "paper");
        assertFalse(paper.models().contains("minilm-l6"));

        SuiteException e = assertThrows(SuiteException.class, () -> Suite.load("paper-table-9", null));
        assertTrue(e.getMessage().contains("neither a built-in suite"), e.getMessage());
        assertThrows(SuiteException.class, () -> Suite.load("paper-table-3", "huge"));
        Path f = tmp.resolve("s.json");
        Files.writeString(f, GOOD);
        assertEquals(6, Suite.load(f.toString(), null).cells().size());
        assertTrue(assertThrows(SuiteException.class, () -> Suite.load(f.toString(), "local")).getMessage().contains("--size applies to built-in suites only"));
    }
}
