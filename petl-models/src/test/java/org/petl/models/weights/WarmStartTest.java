package org.petl.models.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.arch.ModelDescription;
import org.petl.core.io.WeightFileException;
import org.petl.core.method.Architecture;
import org.petl.core.tensor.HostTensor;
import org.petl.models.TestModels;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.models.store.PretrainedSeq2Seq;
import org.petl.models.assembly.Seq2SeqBatch;
import org.petl.models.tokenize.Seq2SeqTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The warm-started MiniLM encoder-decoder (Rothe et al. 2020) from the real all-MiniLM-L6-v2 checkpoint. */
class WarmStartTest {

    private static void assertSameValues(HostTensor expected, HostTensor got, String... what) {
        assertArrayEquals(expected.shape(), got.shape());
        assertArrayEquals(expected.data(), got.data(), 0f, String.join(" ", what));
    }

    @Test
    void miniLmSeq2SeqComesFromTheCheckpoint() {
        PretrainedEncoder enc = TestModels.load("minilm-l6");
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq("minilm-l6:seq2seq");
        ModelDescription d = m.description();
        assertEquals("minilm-l6:seq2seq", d.name());
        assertEquals(List.of(6, 6, 384, 12, 1536, 30522, 512), List.of(d.encoderLayers(), d.decoderLayers(), d.hidden(), d.heads(), d.ffn(), d.vocab(), d.maxPositions()));
        assertEquals(ModelDescription.Norm.POST, d.norm());
        assertEquals(ModelDescription.PositionScheme.ABSOLUTE, d.positions());
        assertEquals(1e-12, d.layerNormEps());
        assertTrue(d.tiedEmbeddings());
        assertFalse(d.finalLogitsBias() || d.scaleEmbedding() || d.finalLayerNorm());

        Map<String, HostTensor> w = m.weights(), bert = enc.weights();
        assertSameValues(bert.get("embeddings.word_embeddings.weight"), w.get("model.shared.weight"));
        assertSame(w.get("model.shared.weight"), w.get("lm_head.weight"), "the LM head is the word table");
        for (int i = 0; i < 6; i++) {
            String q = "encoder.layer." + i + ".attention.self.query.weight";
            assertSameValues(bert.get(q), w.get("model.encoder.layers." + i + ".self_attn.q_proj.weight"));
            assertSameValues(bert.get(q), w.get("model.decoder.layers." + i + ".self_attn.q_proj.weight"));
            assertSame(w.get("model.decoder.layers." + i + ".self_attn.q_proj.weight"), w.get("model.decoder.layers." + i + ".encoder_attn.q_proj.weight"),
                    "cross-attention starts as the self-attention");
            assertSameValues(bert.get("encoder.layer." + i + ".attention.output.LayerNorm.weight"), w.get("model.decoder.layers." + i + ".encoder_attn_layer_norm.weight"));
            assertSameValues(bert.get("encoder.layer." + i + ".output.LayerNorm.bias"), w.get("model.decoder.layers." + i + ".final_layer_norm.bias"));
        }
        float[] pos = bert.get("embeddings.position_embeddings.weight").data(), typ = bert.get("embeddings.token_type_embeddings.weight").data();
        float[] folded = w.get("model.encoder.embed_positions.weight").data();
        for (int j : new int[]{0, 17, 383}) assertEquals(pos[5 * 384 + j] + typ[j], folded[5 * 384 + j], 0f, "type row 0 folded into position 5");

        // the description counts exactly the tensors the weights hold (tied matrix once)
        IdentityHashMap<HostTensor, Boolean> distinct = new IdentityHashMap<>();
        long graphTensors = d.tensors().keySet().stream().mapToLong(k -> w.get(k).size()).sum();
        assertEquals(graphTensors, new Architecture(d).baseParameters());
        d.tensors().keySet().forEach(k -> distinct.put(w.get(k), true));
        long stored = distinct.keySet().stream().mapToLong(HostTensor::size).sum();
        long miniLm = bert.entrySet().stream().filter(e -> !e.getKey().startsWith("pooler.") && !e.getKey().contains("token_type"))
                .mapToLong(e -> e.getValue().size()).sum();
        assertEquals(miniLm, stored, "the decoder adds no tensor the checkpoint does not have");
    }

    @Test
    void tokensAreBertToBert() {
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq("minilm-l6:seq2seq");
        try (Seq2SeqTokenizer t = m.tokenizer(null, null)) {
            Seq2SeqBatch b = t.encode(List.of("hello world"), List.of("hello world"), 64, 64);
            assertArrayEquals(new int[]{101, 7592, 2088, 102}, b.inputIds()[0], "[CLS] hello world [SEP]");
            assertArrayEquals(new int[]{7592, 2088, 102}, b.labels()[0], "labels end with [SEP]");
            assertArrayEquals(new int[]{101, 7592, 2088}, b.decoderInputIds()[0], "the decoder starts from [CLS]");
            assertEquals("hello world", t.decode(new long[]{101, 7592, 2088, 102, 0, 0}));
            Seq2SeqBatch gen = t.encode(List.of("hello"), null, 64, 64);
            assertArrayEquals(new int[]{101}, gen.decoderInputIds()[0]);
            assertNull(gen.labels(), "no targets, no labels");
        }
    }

    @Test
    void robertaCannotBeWarmStartedAndUnknownNamesAreOneLine(@TempDir Path tmp) throws IOException {
        Files.copy(TestModels.shared().resolve("golden/petl-reference/roberta/base.safetensors"), tmp.resolve("model.safetensors"));
        Files.writeString(tmp.resolve("config.json"), """
                {"model_type": "roberta", "num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 4,
                 "intermediate_size": 64, "vocab_size": 120, "max_position_embeddings": 64, "type_vocab_size": 1, "pad_token_id": 1}""");
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp + ":seq2seq"));
        assertTrue(e.getMessage().endsWith("warm starts are built from BERT-family encoders (absolute positions); roberta is not supported"), e.getMessage());
        e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq("gpt9"));
        assertTrue(e.getMessage().startsWith("unknown encoder-decoder 'gpt9': not a local folder (a Hugging Face BART/mBART folder) and not one of minilm-l6:seq2seq, "), e.getMessage());
    }
}
