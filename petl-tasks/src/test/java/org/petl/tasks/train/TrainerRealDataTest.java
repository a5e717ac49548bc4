package org.petl.tasks.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.data.Example;
import org.petl.tasks.data.TaskData;
import org.petl.tasks.data.Tasks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The trainer on the real MiniLM and a small slice of the real polarity data: repeat and resume, bit for bit. */
class TrainerRealDataTest {

    static Dataset slice(Dataset ds, int every, int n) {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < ds.size() && ex.size() < n; i += every) ex.add(ds.get(i));
        return new Dataset(ds.name() + "-slice", ex, ds.labelNames(), ds.provenance());
    }

    record Run(TrainResult result, Map<String, float[]> params) {
    }

    static Run run(PretrainedEncoder model, TaskData data, TrainConfig cfg, Path dir, boolean resume) {
        EncoderGraph g = EncoderGraph.build(model.config(), model.weights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.MEAN, false), false, 0.1, 0.1, 3));
        AppliedMethod a = Rewriter.apply(g, Methods.parse("lora:r=2,s=2"), 3);
        TrainResult r = Trainer.train(new TrainJob(g, a, data, new TokenizerBatcher(model.tokenizer(), 32), cfg, Map.of()), dir, resume);
        Map<String, float[]> p = new java.util.TreeMap<>();
        for (String n : a.trainable()) p.put(n, g.sameDiff().getArrForVarName(n).dup().data().asFloat());
        return new Run(r, p);
    }

    @Test
    void resumedRunEqualsUninterruptedRunOnRealData(@TempDir Path tmp) {
        PretrainedEncoder model = ModelStore.resolve("minilm-l6");
        TaskData full = Tasks.load("polarity", null);
        // every 100th sentence: both classes (the split keeps file order, positives first)
        TaskData data = new TaskData("polarity", slice(full.train(), 100, 32), slice(full.dev(), 20, 16), Map.of("test", slice(full.others().get("test"), 20, 16)));
        TrainConfig cfg = new TrainConfig(2, 5e-3, 8, 1, 0.1, 0.01, 1.0, 0.1, 3, 17L, "linear", null);

        Run straight = run(model, data, cfg, tmp.resolve("a"), false);
        Run again = run(model, data, cfg, tmp.resolve("b"), false);
        assertEquals(straight.params().keySet(), again.params().keySet());
        straight.params().forEach((n, v) -> assertArrayEquals(v, again.params().get(n), "same seed, same bits: " + n));

        TrainConfig half = new TrainConfig(2, 5e-3, 8, 1, 0.1, 0.01, 1.0, 0.1, 3, 17L, "linear", 4L);
        run(model, data, half, tmp.resolve("c"), false);
        Run resumed = run(model, data, cfg, tmp.resolve("c"), true);
        assertEquals(straight.result().steps(), resumed.result().steps());
        assertEquals(straight.result().finalMetrics(), resumed.result().finalMetrics());
        straight.params().forEach((n, v) -> assertArrayEquals(v, resumed.params().get(n), "resumed equals uninterrupted: " + n));
    }
}
