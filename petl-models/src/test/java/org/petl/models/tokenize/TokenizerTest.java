package org.petl.models.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.models.TestModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TokenizerTest {

    static final List<String> SENTENCES = List.of(
            "The unaffable doorman refused to let us in.",
            "Parameter-efficient fine-tuning updates only 0.1% of the weights!",
            "Héllo wörld, naïve café — 東京 is in Japan.",
            "I can't believe it's not butter.");

    /** MiniLM's vocab.txt, recovered from its tokenizer.json (id order). */
    static Path miniLmVocab(Path dir) throws IOException {
        Path json = TestModels.load("minilm-l6").onnxFile().resolveSibling("tokenizer.json");
        JsonNode vocab = new ObjectMapper().readTree(json.toFile()).path("model").path("vocab");
        String[] byId = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            byId[e.getValue().asInt()] = e.getKey();
        }
        Path txt = dir.resolve("vocab.txt");
        Files.write(txt, List.of(byId));
        return txt;
    }

    @Test
    void miniLmTokenizerSplitsIntoWordPieces() {
        // greedy longest-match WordPiece on the uncased vocab: "unaffable" is una ##ffa ##ble (the paper's un ##aff ##able used another vocab)
        TextTokenizer t = TestModels.load("minilm-l6").tokenizer();
        assertEquals(List.of("[CLS]", "the", "una", "##ffa", "##ble", "door", "##man", "refused", "to", "let", "us", "in", ".", "[SEP]"),
                t.tokens(SENTENCES.get(0)));
        TokenBatch b = t.encode(List.of("hello world"), 128);
        assertArrayEquals(new long[]{101, 7592, 2088, 102}, b.inputIds()[0], "no fixed padding to 128 from the json");
    }

    @Test
    void batchesArePaddedToTheLongestAndPairsGetTypeOne() {
        TextTokenizer t = TestModels.load("minilm-l6").tokenizer();
        TokenBatch b = t.encode(List.of("short", "a somewhat longer sentence here"), 64);
        assertEquals(2, b.batchSize());
        assertEquals(7, b.length());
        assertArrayEquals(new long[]{101, 2460, 102, 0, 0, 0, 0}, b.inputIds()[0]);
        assertArrayEquals(new long[]{1, 1, 1, 0, 0, 0, 0}, b.attentionMask()[0]);
        TokenBatch p = t.encodePairs(List.of("a cat"), List.of("a dog"), 64);
        assertArrayEquals(new long[]{101, 1037, 4937, 102, 1037, 3899, 102}, p.inputIds()[0]);
        assertArrayEquals(new long[]{0, 0, 0, 0, 1, 1, 1}, p.tokenTypeIds()[0]);
    }

    @Test
    void truncationKeepsSepAndMaxLength() {
        TextTokenizer t = TestModels.load("minilm-l6").tokenizer();
        TokenBatch b = t.encode(List.of(String.join(" ", SENTENCES)), 8);
        assertEquals(8, b.length());
        assertEquals(101, b.inputIds()[0][0]);
        assertEquals(102, b.inputIds()[0][7]);
        TokenBatch p = t.encodePairs(List.of(SENTENCES.get(1)), List.of(SENTENCES.get(3)), 10);
        assertEquals(10, p.length());
    }

    @Test
    void tokenizerGeneratedFromVocabTxtMatchesMiniLmTokenizerJson(@TempDir Path tmp) throws IOException {
        Path generated = tmp.resolve("tokenizer.json");
        WordPieceTokenizerJson.write(miniLmVocab(tmp), true, generated);
        try (HfTextTokenizer ours = new HfTextTokenizer(generated, "generated", 0)) {
            TextTokenizer theirs = TestModels.load("minilm-l6").tokenizer();
            assertSameEncodings(theirs, ours);
        }
    }

    static void assertSameEncodings(TextTokenizer expected, TextTokenizer actual) {
        for (String s : SENTENCES) assertEquals(expected.tokens(s), actual.tokens(s), s);
        TokenBatch a = expected.encode(SENTENCES, 32), b = actual.encode(SENTENCES, 32);
        assertArrayEquals(a.inputIds(), b.inputIds());
        assertArrayEquals(a.attentionMask(), b.attentionMask());
        List<String> second = new ArrayList<>(SENTENCES);
        java.util.Collections.reverse(second);
        TokenBatch pa = expected.encodePairs(SENTENCES, second, 24), pb = actual.encodePairs(SENTENCES, second, 24);
        assertArrayEquals(pa.inputIds(), pb.inputIds());
        assertArrayEquals(pa.tokenTypeIds(), pb.tokenTypeIds());
    }
}
