package org.petl.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.eval.bleu.Bleu;
import org.petl.eval.bleu.BleuConfig;
import org.petl.eval.bleu.BleuScore;
import org.petl.eval.bleu.BleuTokenizer;
import org.petl.eval.bleu.Smoothing;
import org.petl.eval.rouge.BootstrapAggregator;
import org.petl.eval.rouge.RougeScore;
import org.petl.eval.rouge.RougeScorer;
import org.petl.eval.rouge.RougeType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code petl score bleu|rouge}: sacreBLEU- and rouge_score-exact scoring of JSONL or plain-text files. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score outputs with BLEU (sacreBLEU 2.6.0) or ROUGE (rouge_score 0.1.2); prints one JSON object.",
        subcommands = {ScoreCommand.BleuCommand.class, ScoreCommand.RougeCommand.class})
public final class ScoreCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "bleu", mixinStandardHelpOptions = true,
            description = "Corpus BLEU plus sentence BLEU (effective order) per segment. Input: --jsonl with "
                    + "{\"hypothesis\": ..., \"references\": [...]} per line, or --hyp FILE --ref FILE [--ref FILE2].")
    static final class BleuCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--jsonl", paramLabel = "FILE", description = "one {hypothesis, references} object per line") Path jsonl;
        @Option(names = "--hyp", paramLabel = "FILE", description = "hypotheses, one per line") Path hyp;
        @Option(names = "--ref", paramLabel = "FILE", description = "references, one per line; repeat for more references") List<Path> refs;
        @Option(names = "--tokenize", defaultValue = "13a", description = "13a or none (default: ${DEFAULT-VALUE})") String tokenize;
        @Option(names = "--smooth", defaultValue = "exp", description = "exp, floor, add-k or none (default: ${DEFAULT-VALUE})") String smooth;
        @Option(names = "--smooth-value", description = "floor value or add-k's k (default: sacreBLEU's, 0.1 / 1)") Double smoothValue;
        @Option(names = "--lowercase", description = "lowercase before tokenizing") boolean lowercase;
        @Option(names = "--ro-normalize", description = "WMT16 Romanian normalisation + diacritic removal first (en-ro protocol; use with --tokenize none)") boolean roNormalize;

        @Override
        public Integer call() {
            List<String> hyps = new ArrayList<>();
            List<List<String>> refSets = new ArrayList<>();
            if (jsonl != null) {
                if (hyp != null || refs != null) throw new IllegalArgumentException("give either --jsonl or --hyp/--ref, not both");
                readBleuJsonl(jsonl, hyps, refSets);
            } else {
                if (hyp == null || refs == null || refs.isEmpty())
                    throw new IllegalArgumentException("give --jsonl FILE, or --hyp FILE with at least one --ref FILE");
                hyps.addAll(readLines(hyp));
                for (Path r : refs) {
                    List<String> lines = readLines(r);
                    if (lines.size() != hyps.size())
                        throw new IllegalArgumentException(hyp + " has " + hyps.size() + " lines but " + r + " has " + lines.size());
                    for (int i = 0; i < lines.size(); i++) {
                        if (refSets.size() <= i) refSets.add(new ArrayList<>());
                        refSets.get(i).add(lines.get(i));
                    }
                }
            }
            if (hyps.isEmpty()) throw new IllegalArgumentException("no segments to score");
            BleuConfig corpusCfg = new BleuConfig(BleuTokenizer.of(tokenize), Smoothing.of(smooth), smoothValue, lowercase, false, 4, roNormalize);
            Bleu corpus = new Bleu(corpusCfg);
            Bleu sentence = new Bleu(corpusCfg.withEffectiveOrder(true));
            ObjectNode out = JSON.createObjectNode();
            out.set("corpus", bleuJson(corpus.corpusScore(hyps, refSets)));
            ArrayNode sentences = out.putArray("sentences");
            for (int i = 0; i < hyps.size(); i++) sentences.add(bleuJson(sentence.sentenceScore(hyps.get(i), refSets.get(i))));
            if (roNormalize) out.put("preprocess", "wmt16-ro: normalise-romanian.py + remove-diacritics.py");
            print(spec, out);
            return 0;
        }

        private static void readBleuJsonl(Path file, List<String> hyps, List<List<String>> refSets) {
            int lineNo = 0, nrefs = -1, firstLine = 0;
            for (String line : readLines(file)) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode node = parseLine(file, lineNo, line);
                hyps.add(stringField(file, lineNo, node, "hypothesis"));
                JsonNode r = field(file, lineNo, node, "references");
                if (!r.isArray() || r.isEmpty()) throw lineError(file, lineNo, "field \"references\" must be a non-empty array of strings");
                List<String> set = new ArrayList<>();
                for (JsonNode x : r) {
                    if (!x.isTextual()) throw lineError(file, lineNo, "field \"references\" must be a non-empty array of strings");
                    set.add(x.asText());
                }
                if (nrefs == -1) {
                    nrefs = set.size();
                    firstLine = lineNo;
                } else if (set.size() != nrefs) {
                    throw lineError(file, lineNo, set.size() + " references, but line " + firstLine + " has " + nrefs
                            + " (every segment needs the same number)");
                }
                refSets.add(set);
            }
        }

        private static ObjectNode bleuJson(BleuScore s) {
            ObjectNode o = JSON.createObjectNode();
            o.put("score", s.score());
            ArrayNode counts = o.putArray("counts"), totals = o.putArray("totals"), precisions = o.putArray("precisions");
            s.counts().forEach(counts::add);
            s.totals().forEach(totals::add);
            s.precisions().forEach(precisions::add);
            o.put("bp", s.bp());
            o.put("sys_len", s.sysLen());
            o.put("ref_len", s.refLen());
            o.put("ratio", s.ratio());
            o.put("signature", s.signature());
            o.put("formatted", s.formatted());
            return o;
        }
    }

    @Command(name = "rouge", mixinStandardHelpOptions = true,
            description = "rouge1/rouge2/rougeL/rougeLsum per pair and their mean. Input: --jsonl with "
                    + "{\"target\": ..., \"prediction\": ...} per line, or --pred FILE --target FILE.")
    static final class RougeCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--jsonl", paramLabel = "FILE", description = "one {target, prediction} object per line") Path jsonl;
        @Option(names = "--pred", paramLabel = "FILE", description = "predictions, one per line") Path pred;
        @Option(names = "--target", paramLabel = "FILE", description = "targets, one per line") Path target;
        @Option(names = "--stem", description = "NLTK Porter stemming (rouge_score's use_stemmer=True)") boolean stem;
        @Option(names = "--bootstrap", paramLabel = "N", description = "also report low/mid/high from N bootstrap resamples (rouge_score uses 1000)") Integer bootstrap;
        @Option(names = "--seed", defaultValue = "0", description = "bootstrap seed; equals numpy's np.random.seed(S) (default: ${DEFAULT-VALUE})") long seed;

        @Override
        public Integer call() {
            List<String> targets = new ArrayList<>(), predictions = new ArrayList<>();
            List<Integer> lineOf = new ArrayList<>();
            if (jsonl != null) {
                if (pred != null || target != null) throw new IllegalArgumentException("give either --jsonl or --pred/--target, not both");
                int lineNo = 0;
                for (String line : readLines(jsonl)) {
                    lineNo++;
                    if (line.isBlank()) continue;
                    lineOf.add(lineNo);
                    JsonNode node = parseLine(jsonl, lineNo, line);
                    targets.add(stringField(jsonl, lineNo, node, "target"));
                    predictions.add(stringField(jsonl, lineNo, node, "prediction"));
                }
            } else {
                if (pred == null || target == null) throw new IllegalArgumentException("give --jsonl FILE, or both --pred FILE and --target FILE");
                predictions.addAll(readLines(pred));
                targets.addAll(readLines(target));
                if (predictions.size() != targets.size())
                    throw new IllegalArgumentException(pred + " has " + predictions.size() + " lines but " + target + " has " + targets.size());
            }
            if (targets.isEmpty()) throw new IllegalArgumentException("no pairs to score");
            if (bootstrap != null && bootstrap < 1) throw new IllegalArgumentException("--bootstrap needs a positive number of resamples");
            RougeScorer scorer = new RougeScorer(stem);
            List<Map<RougeType, RougeScore>> scores = new ArrayList<>(targets.size());
            for (int i = 0; i < targets.size(); i++) {
                try {
                    scores.add(scorer.score(targets.get(i), predictions.get(i)));
                } catch (IllegalArgumentException e) {
                    String where = jsonl != null ? jsonl + ":" + lineOf.get(i) : pred + ":" + (i + 1) + " and " + target + ":" + (i + 1);
                    throw new IllegalArgumentException(where + ": " + e.getMessage());
                }
            }
            ObjectNode out = JSON.createObjectNode();
            ArrayNode pairs = out.putArray("pairs");
            for (Map<RougeType, RougeScore> s : scores) pairs.add(rougeJson(s));
            out.set("mean", rougeJson(RougeScorer.mean(scores)));
            if (bootstrap != null) {
                BootstrapAggregator agg = new BootstrapAggregator(0.95, bootstrap);
                scores.forEach(agg::addScores);
                Map<RougeType, BootstrapAggregator.AggregateScore> a = agg.aggregate(seed);
                ObjectNode low = out.putObject("low"), mid = out.putObject("mid"), high = out.putObject("high");
                for (RougeType t : RougeType.values()) {
                    low.set(t.key(), scoreJson(a.get(t).low()));
                    mid.set(t.key(), scoreJson(a.get(t).mid()));
                    high.set(t.key(), scoreJson(a.get(t).high()));
                }
            }
            print(spec, out);
            return 0;
        }

        private static ObjectNode rougeJson(Map<RougeType, RougeScore> s) {
            ObjectNode o = JSON.createObjectNode();
            for (RougeType t : RougeType.values()) o.set(t.key(), scoreJson(s.get(t)));
            return o;
        }

        private static ObjectNode scoreJson(RougeScore s) {
            ObjectNode o = JSON.createObjectNode();
            o.put("precision", s.precision());
            o.put("recall", s.recall());
            o.put("fmeasure", s.fmeasure());
            return o;
        }
    }

    // ---- shared input handling: every error names the file (and line) ----

    static List<String> readLines(Path file) {
        return org.petl.core.io.TextFiles.readLines(file);
    }

    private static JsonNode parseLine(Path file, int lineNo, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw lineError(file, lineNo, "not valid JSON (" + org.petl.core.io.TextFiles.quote(e.getOriginalMessage(), 160) + ")");
        }
        if (node == null || !node.isObject()) throw lineError(file, lineNo, "expected a JSON object");
        return node;
    }

    private static JsonNode field(Path file, int lineNo, JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) throw lineError(file, lineNo, "missing field \"" + name + "\"");
        return v;
    }

    private static String stringField(Path file, int lineNo, JsonNode node, String name) {
        JsonNode v = field(file, lineNo, node, name);
        if (!v.isTextual()) throw lineError(file, lineNo, "field \"" + name + "\" must be a string");
        return v.asText();
    }

    private static IllegalArgumentException lineError(Path file, int lineNo, String what) {
        return new IllegalArgumentException(file + ":" + lineNo + ": " + what);
    }

    private static void print(CommandSpec spec, ObjectNode out) {
        PrintWriter w = spec.commandLine().getOut();
        try {
            w.println(JSON.writeValueAsString(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        w.flush();
    }
}
