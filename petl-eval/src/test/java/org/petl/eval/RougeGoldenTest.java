package org.petl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.petl.eval.rouge.RougeScore;
import org.petl.eval.rouge.RougeScorer;
import org.petl.eval.rouge.RougeType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every line of rouge-score.jsonl, with and without stemming: tokens, lines and all values bit for bit. */
class RougeGoldenTest {

    private static final List<JsonNode> CASES = Golden.lines("rouge-score.jsonl");

    @Test
    void allCasesPresent() {
        assertEquals(248, CASES.size(), "rouge-score.jsonl line count");
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> check(c)));
    }

    private static void check(JsonNode c) {
        String id = c.get("id").asText();
        for (boolean stem : new boolean[] {true, false}) {
            String key = "use_stemmer=" + stem;
            RougeScorer scorer = new RougeScorer(stem);
            if (c.get("kind").asText().equals("pair")) {
                String target = c.get("target").asText(), prediction = c.get("prediction").asText();
                JsonNode tok = c.get("tokenization").get(key);
                checkTokens(id + " " + key + " target", tok.get("target"), scorer, target);
                checkTokens(id + " " + key + " prediction", tok.get("prediction"), scorer, prediction);
                checkScores(id + " " + key, c.get("expected").get(key), scorer.score(target, prediction));
            } else {
                List<String> targets = Golden.strings(c.get("targets")), predictions = Golden.strings(c.get("predictions"));
                assertEquals(c.get("num_pairs").asInt(), targets.size(), id + ": num_pairs");
                List<Map<RougeType, RougeScore>> all = new ArrayList<>();
                for (int i = 0; i < targets.size(); i++) all.add(scorer.score(targets.get(i), predictions.get(i)));
                checkScores(id + " " + key + " mean", c.get("expected_mean").get(key), RougeScorer.mean(all));
            }
        }
    }

    private static void checkTokens(String where, JsonNode expected, RougeScorer scorer, String text) {
        assertEquals(Golden.strings(expected.get("tokens")), scorer.tokenizer().tokenize(text), where + " tokens");
        List<List<String>> lines = new ArrayList<>();
        for (JsonNode l : expected.get("lsum_lines")) lines.add(Golden.strings(l));
        assertEquals(lines, scorer.lsumLines(text), where + " lsum_lines");
    }

    private static void checkScores(String where, JsonNode expected, Map<RougeType, RougeScore> got) {
        for (RougeType t : RougeType.values()) {
            JsonNode e = expected.get(t.key());
            RougeScore g = got.get(t);
            assertEquals(e.get("precision").asDouble(), g.precision(), 0.0, where + " " + t.key() + " precision");
            assertEquals(e.get("recall").asDouble(), g.recall(), 0.0, where + " " + t.key() + " recall");
            assertEquals(e.get("fmeasure").asDouble(), g.fmeasure(), 0.0, where + " " + t.key() + " fmeasure");
        }
    }
}
