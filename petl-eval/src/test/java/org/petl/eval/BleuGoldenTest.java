package org.petl.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.petl.eval.bleu.Bleu;
import org.petl.eval.bleu.BleuConfig;
import org.petl.eval.bleu.BleuScore;
import org.petl.eval.bleu.BleuTokenizer;
import org.petl.eval.bleu.Smoothing;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every line of bleu-sacrebleu.jsonl: sentence and corpus BLEU in all six settings variants. */
class BleuGoldenTest {

    private static final List<JsonNode> CASES = Golden.lines("bleu-sacrebleu.jsonl");

    @Test
    void allCasesPresent() {
        assertEquals(332, CASES.size(), "bleu-sacrebleu.jsonl line count");
    }

    @TestFactory
    Stream<DynamicTest> goldenCases() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> check(c)));
    }

    private static void check(JsonNode c) {
        String id = c.get("id").asText();
        boolean sentence = c.get("kind").asText().equals("sentence");
        if (sentence) {
            Bleu tok = new Bleu(BleuConfig.sentenceDefaults());
            assertEquals(c.get("hypothesis_tok13a").asText(), tok.preprocess(c.get("hypothesis").asText()), id + ": hypothesis_tok13a");
            List<String> refs = Golden.strings(c.get("references"));
            List<String> refsTok = Golden.strings(c.get("references_tok13a"));
            for (int i = 0; i < refs.size(); i++)
                assertEquals(refsTok.get(i), tok.preprocess(refs.get(i)), id + ": references_tok13a[" + i + "]");
        }
        for (JsonNode r : c.get("results")) {
            String where = id + " [" + r.get("name").asText() + "]: ";
            JsonNode s = r.get("settings");
            BleuConfig cfg = new BleuConfig(BleuTokenizer.of(s.get("tokenize").asText()), Smoothing.of(s.get("smooth_method").asText()),
                    s.get("smooth_value").isNull() ? null : s.get("smooth_value").asDouble(), s.get("lowercase").asBoolean(),
                    s.get("effective_order").asBoolean(), s.get("max_ngram_order").asInt(), false);
            Bleu bleu = new Bleu(cfg);
            BleuScore got;
            if (sentence) {
                got = bleu.sentenceScore(c.get("hypothesis").asText(), Golden.strings(c.get("references")));
            } else {
                List<List<String>> refs = new ArrayList<>();
                for (JsonNode seg : c.get("references")) refs.add(Golden.strings(seg));
                got = bleu.corpusScore(Golden.strings(c.get("hypotheses")), refs);
            }
            assertEquals(r.get("score").asDouble(), got.score(), 1e-9, where + "score");
            assertEquals(r.get("bp").asDouble(), got.bp(), 1e-12, where + "bp");
            for (int n = 0; n < 4; n++) {
                assertEquals(r.get("counts").get(n).asInt(), got.counts().get(n), where + "counts[" + n + "]");
                assertEquals(r.get("totals").get(n).asInt(), got.totals().get(n), where + "totals[" + n + "]");
                assertEquals(r.get("precisions").get(n).asDouble(), got.precisions().get(n), 0.0, where + "precisions[" + n + "]");
            }
            assertEquals(r.get("sys_len").asInt(), got.sysLen(), where + "sys_len");
            assertEquals(r.get("ref_len").asInt(), got.refLen(), where + "ref_len");
            assertEquals(r.get("ratio").asDouble(), got.ratio(), 0.0, where + "ratio");
            assertEquals(r.get("signature").asText(), got.signature(), where + "signature");
            assertEquals(r.get("formatted").asText(), got.formatted(), where + "formatted");
        }
    }
}
