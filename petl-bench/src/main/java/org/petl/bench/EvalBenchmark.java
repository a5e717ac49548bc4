package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.eval.PyStrings;
import org.petl.eval.bleu.Bleu;
import org.petl.eval.bleu.BleuConfig;
import org.petl.eval.bleu.BleuTokenizer;
import org.petl.eval.rouge.BootstrapAggregator;
import org.petl.eval.rouge.RougeScorer;
import org.petl.eval.rouge.RougeTokenizer;
import org.petl.eval.rouge.RougeType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Times the metrics on paper-sized workloads built from the golden files' real strings: ROUGE with
 * stemming on XSum-test size (11,334 pairs, ~25-token summaries) and BLEU on 2,000 en-ro segments.
 * One warm-up, best of 3, single thread; prints one JSON line. Not a test: timings depend on the machine.
 */
@Command(name = "bench-eval", mixinStandardHelpOptions = true,
        description = "Time ROUGE (XSum-test size) and BLEU (WMT16 en-ro size) on one core; prints a JSON line.")
public final class EvalBenchmark implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--golden", paramLabel = "DIR", description = "folder with bleu-sacrebleu.jsonl and rouge-score.jsonl (default: $petl.shared/golden or ../shared/golden)")
    Path golden;
    @Option(names = "--rouge-pairs", defaultValue = "11334", description = "summary pairs scored with ROUGE (default ${DEFAULT-VALUE}, XSum's test size)") int rougePairs;
    @Option(names = "--bleu-segments", defaultValue = "2000", description = "segments scored with BLEU (default ${DEFAULT-VALUE})") int bleuSegments;

    public static void main(String[] args) {
        System.exit(PetlCli.execute(prepend("bench-eval", args)));
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Override
    public Integer call() throws IOException {
        Path dir = golden != null ? golden
                : Path.of(System.getProperty("petl.shared", Path.of("..", "shared").toString())).resolve("golden");
        List<JsonNode> rougeLines = read(dir.resolve("rouge-score.jsonl"));
        List<JsonNode> bleuLines = read(dir.resolve("bleu-sacrebleu.jsonl"));

        // ROUGE workload: the golden targets' and predictions' words as two cycled streams, cut into
        // summaries of 25 rouge tokens each (XSum's one-sentence summaries are about that long)
        List<String> targetWords = new ArrayList<>(), predictionWords = new ArrayList<>();
        for (JsonNode n : rougeLines) {
            if (!n.get("kind").asText().equals("pair")) continue;
            targetWords.addAll(PyStrings.split(n.get("target").asText()));
            predictionWords.addAll(PyStrings.split(n.get("prediction").asText()));
        }
        RougeTokenizer counter = new RougeTokenizer(false);
        List<String> targets = new ArrayList<>(rougePairs), predictions = new ArrayList<>(rougePairs);
        int[] cursor = new int[2];
        long targetTokens = 0;
        for (int i = 0; i < rougePairs; i++) {
            String t = take(targetWords, cursor, 0, counter), p = take(predictionWords, cursor, 1, counter);
            targets.add(t);
            predictions.add(p);
            targetTokens += counter.tokenize(t).size();
        }

        // BLEU workload: cycle the golden sentence segments (hypothesis + first reference)
        List<String> srcH = new ArrayList<>(), srcR = new ArrayList<>();
        for (JsonNode n : bleuLines) {
            if (!n.get("kind").asText().equals("sentence")) continue;
            srcH.add(n.get("hypothesis").asText());
            srcR.add(n.get("references").get(0).asText());
        }
        List<String> hyps = new ArrayList<>(bleuSegments);
        List<List<String>> refs = new ArrayList<>(bleuSegments);
        for (int i = 0; i < bleuSegments; i++) {
            hyps.add(srcH.get(i % srcH.size()));
            refs.add(List.of(srcR.get(i % srcR.size())));
        }

        double rougeStem = bestOf3(() -> {
            RougeScorer scorer = new RougeScorer(true); // fresh scorer: the stem cache is built inside the timing
            for (int i = 0; i < targets.size(); i++) scorer.score(targets.get(i), predictions.get(i));
        });
        double rougeStemBootstrap = bestOf3(() -> {
            RougeScorer scorer = new RougeScorer(true);
            BootstrapAggregator agg = new BootstrapAggregator();
            for (int i = 0; i < targets.size(); i++) agg.addScores(scorer.score(targets.get(i), predictions.get(i)));
            Map<RougeType, BootstrapAggregator.AggregateScore> a = agg.aggregate(0);
            if (a.isEmpty()) throw new IllegalStateException();
        });
        Bleu bleu13a = new Bleu(BleuConfig.corpusDefaults());
        Bleu bleuRo = new Bleu(BleuConfig.corpusDefaults().withTokenizer(BleuTokenizer.None.INSTANCE).withRomanianNormalize(true));
        Bleu sentence = new Bleu(BleuConfig.sentenceDefaults());
        double bleuCorpus13a = bestOf3(() -> bleu13a.corpusScore(hyps, refs));
        double bleuCorpusRo = bestOf3(() -> bleuRo.corpusScore(hyps, refs));
        double bleuSentences = bestOf3(() -> {
            for (int i = 0; i < hyps.size(); i++) sentence.sentenceScore(hyps.get(i), refs.get(i));
        });

        ObjectNode o = JSON.createObjectNode();
        o.put("rouge_pairs", rougePairs);
        o.put("rouge_mean_target_tokens", (double) targetTokens / rougePairs);
        o.put("rouge_stem_s", rougeStem);
        o.put("rouge_stem_bootstrap1000_s", rougeStemBootstrap);
        o.put("bleu_segments", bleuSegments);
        o.put("bleu_corpus_13a_s", bleuCorpus13a);
        o.put("bleu_corpus_none_ro_s", bleuCorpusRo);
        o.put("bleu_sentences_13a_s", bleuSentences);
        o.put("threads", 1);
        System.out.println(JSON.writeValueAsString(o));
        return 0;
    }

    /** The next words of a cycled stream until they hold at least 25 rouge tokens. */
    private static String take(List<String> words, int[] cursor, int which, RougeTokenizer counter) {
        StringBuilder sb = new StringBuilder();
        int tokens = 0;
        while (tokens < 25) {
            String w = words.get(cursor[which]++ % words.size());
            if (sb.length() > 0) sb.append(' ');
            sb.append(w);
            tokens += counter.tokenize(w).size();
        }
        return sb.toString();
    }

    private static List<JsonNode> read(Path p) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    /** Seconds: one warm-up run, then the best of three. */
    private static double bestOf3(Runnable r) {
        r.run();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e9;
    }
}
