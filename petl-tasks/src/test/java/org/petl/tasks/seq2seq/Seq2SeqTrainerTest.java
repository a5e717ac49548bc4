package org.petl.tasks.seq2seq;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.arch.ModelDescription;
import org.petl.core.io.Safetensors;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.models.assembly.Seq2SeqLm;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.generate.GenerationConfig;
import org.petl.models.graph.ModelGraph;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.models.weights.HfFolderWriter;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.data.Provenance;
import org.petl.tasks.data.Seq2SeqDataset;
import org.petl.tasks.data.Seq2SeqExample;
import org.petl.tasks.data.Seq2SeqMetric;
import org.petl.tasks.data.Seq2SeqTaskData;
import org.petl.tasks.data.Tasks;
import org.petl.tasks.train.Objective;
import org.petl.tasks.train.TrainConfig;
import org.petl.tasks.train.TrainResult;
import org.petl.tasks.train.Trainer;

/**
 * Seq2seq training on the tiny reference BART (golden/petl-reference/bart) with its tiny BPE tokenizer, on real
 * sentences of the polarity data (installed by the default set-up) as a headline task: source = the sentence,
 * target = its first four words. Checks that training lowers the loss, that evaluation generates and scores, and
 * that a resumed run equals an uninterrupted one bit for bit.
 */
class Seq2SeqTrainerTest {

    static Map<String, HostTensor> weights;
    static ModelDescription desc;
    static Path tokenizerJson;
    static Seq2SeqTaskData data;
    @TempDir
    static Path shared;

    @BeforeAll
    static void load() {
        Path ref = Path.of(System.getProperty("petl.shared", "../../shared")).resolve("golden/petl-reference/bart");
        weights = Safetensors.read(ref.resolve("base.safetensors"));
        desc = ConformanceRunner.seq2seqDescription("bart", weights);
        HfFolderWriter.writeTinyReference(ref, shared.resolve("tiny-bart"));
        tokenizerJson = shared.resolve("tiny-bart/tokenizer.json");
        Dataset pol = Tasks.load("polarity", null).train();
        data = new Seq2SeqTaskData("headline", new Seq2SeqMetric.Rouge(true), slice(pol, "train", 0, 28), slice(pol, "dev", 2000, 8),
                Map.of("test", slice(pol, "test", 3000, 8)), "");
    }

    static Seq2SeqDataset slice(Dataset ds, String name, int from, int n) {
        List<Seq2SeqExample> ex = new ArrayList<>();
        for (int i = from; ex.size() < n; i += 7) {
            String s = ds.get(i % ds.size()).text();
            String[] w = s.split("\\s+");
            if (w.length < 6) continue;
            ex.add(new Seq2SeqExample(name + i, s, String.join(" ", List.of(w).subList(0, 4))));
        }
        Provenance p = ds.provenance();
        return new Seq2SeqDataset("headline/" + name, ex, List.of(p));
    }

    record Run(TrainResult result, Map<String, float[]> params, Map<String, Double> before) {
    }

    static Run run(TrainConfig cfg, Path dir, boolean resume, int maxTokens) {
        return run(cfg, dir, resume, maxTokens, false);
    }

    static Run run(TrainConfig cfg, Path dir, boolean resume, int maxTokens, boolean scoreBefore) {
        Seq2SeqLm lm = Seq2SeqLm.build(desc, weights, new ModelGraph.Options(0.1, 0.1, false));
        AppliedMethod a = Rewriter.apply(lm.graph(), Methods.parse("lora:r=4,s=2"), 3);
        Seq2SeqTokenizer tok = Seq2SeqTokenizer.bart(tokenizerJson, 0, 2, 1, 2);
        TokenizerSeq2SeqBatcher batcher = new TokenizerSeq2SeqBatcher(tok, desc, 48, 16);
        GenerationEvaluator gen = new GenerationEvaluator(new org.petl.models.generate.UncachedSteps(lm), batcher, GenerationConfig.bart(1, 8), 8);
        Objective.Seq2SeqLm obj = new Objective.Seq2SeqLm(lm.graph().sameDiff(), Seq2SeqLm.LOGITS, desc.vocab(), data, batcher,
                lm.graph().keepProbability(true), maxTokens, 16, gen, Map.of("model", "tiny-bart"));
        Map<String, Double> before = scoreBefore ? obj.evaluate("test", null, cfg.labelSmoothing()) : Map.of();
        TrainResult r = Trainer.train(obj, a, cfg, Map.of("method", "lora:r=4,s=2"), dir, resume, (s, l) -> { });
        Map<String, float[]> p = new TreeMap<>();
        for (String n : a.trainable()) p.put(n, lm.graph().sameDiff().getArrForVarName(n).dup().data().asFloat());
        return new Run(r, p, before);
    }

    @Test
    void trainsGeneratesAndResumesBitForBit(@TempDir Path tmp) throws IOException {
        // token-budget batches (rows × longest ≤ 240 tokens), label smoothing 0.1, polynomial decay, two epochs
        TrainConfig cfg = new TrainConfig(2, 3e-2, 8, 1, 0.1, 0.01, 1.0, 0.1, 0, 17L, "polynomial", null);
        Run straight = run(cfg, tmp.resolve("a"), false, 240, true);
        double lossBefore = straight.before().get("loss"), lossAfter = straight.result().finalMetrics().get("test_loss");
        assertTrue(lossAfter < lossBefore - 0.3, "test loss " + lossBefore + " -> " + lossAfter);
        assertTrue(straight.result().finalMetrics().containsKey("test_rouge1"), straight.result().finalMetrics().toString());
        JsonNode m = new ObjectMapper().readTree(tmp.resolve("a/metrics.json").toFile());
        JsonNode evals = m.get("eval_history");
        assertEquals(2, evals.size());
        assertTrue(evals.get(0).get("metrics").has("rouge2") && evals.get(0).get("metrics").has("loss"), evals.get(0).toString());
        assertTrue(m.get("final").has("best_dev_rouge2"), m.get("final").toString());
        // each evaluation wrote its predictions next to its metrics
        long firstEval = evals.get(0).get("step").asLong();
        Path preds = Trainer.evalDir(tmp.resolve("a"), firstEval).resolve("dev.predictions.jsonl");
        assertEquals(data.dev().size(), Files.readAllLines(preds).size());
        assertTrue(Files.readString(preds).contains("\"reference\""));
        assertTrue(Files.isRegularFile(tmp.resolve("a/evals/final/test.predictions.jsonl")));

        // stop after 3 steps (inside the first epoch), resume: the same bits as the uninterrupted run
        run(cfg.withMaxSteps(3L), tmp.resolve("c"), false, 240);
        Run resumed = run(cfg, tmp.resolve("c"), true, 240);
        assertEquals(straight.result().steps(), resumed.result().steps());
        assertEquals(straight.result().finalMetrics(), resumed.result().finalMetrics());
        straight.params().forEach((n, v) -> assertArrayEquals(v, resumed.params().get(n), "resumed equals uninterrupted: " + n));
    }
}
