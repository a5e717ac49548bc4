package org.petl.models.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.arch.ModelDescription;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.GoldenReference;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;
import org.petl.models.assembly.Seq2SeqBatch;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.models.tokenize.TinyTokenizerJson;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Hugging Face BART/mBART folders: the tiny references written as folders and read back as --weights reads them. */
class Seq2SeqFolderTest {

    /** The layout of facebook/bart-large's config.json (the keys petl reads and some it ignores). */
    static final String BART_LARGE_CONFIG = """
            {"_num_labels": 3, "activation_dropout": 0.1, "activation_function": "gelu", "add_bias_logits": false,
             "add_final_layer_norm": false, "architectures": ["BartModel"], "attention_dropout": 0.1, "bos_token_id": 0,
             "classif_dropout": 0.1, "d_model": 1024, "decoder_attention_heads": 16, "decoder_ffn_dim": 4096,
             "decoder_layerdrop": 0.0, "decoder_layers": 12, "decoder_start_token_id": 2, "dropout": 0.1, "early_stopping": true,
             "encoder_attention_heads": 16, "encoder_ffn_dim": 4096, "encoder_layerdrop": 0.0, "encoder_layers": 12,
             "eos_token_id": 2, "forced_eos_token_id": 2, "init_std": 0.02, "is_encoder_decoder": true,
             "max_position_embeddings": 1024, "model_type": "bart", "no_repeat_ngram_size": 3, "normalize_before": false,
             "normalize_embedding": true, "num_beams": 4, "num_hidden_layers": 12, "pad_token_id": 1, "scale_embedding": false,
             "transformers_version": "4.9.0.dev0", "use_cache": true, "vocab_size": 50265}
            """;

    /** The layout of facebook/mbart-large-cc25's config.json. */
    static final String MBART_CC25_CONFIG = """
            {"activation_dropout": 0.0, "activation_function": "gelu", "add_bias_logits": false, "add_final_layer_norm": true,
             "architectures": ["BartForConditionalGeneration"], "attention_dropout": 0.1, "bos_token_id": 0, "d_model": 1024,
             "decoder_attention_heads": 16, "decoder_ffn_dim": 4096, "decoder_layerdrop": 0.0, "decoder_layers": 12,
             "dropout": 0.1, "encoder_attention_heads": 16, "encoder_ffn_dim": 4096, "encoder_layerdrop": 0.0,
             "encoder_layers": 12, "eos_token_id": 2, "init_std": 0.02, "is_encoder_decoder": true, "max_length": 1024,
             "max_position_embeddings": 1024, "model_type": "mbart", "normalize_before": true, "normalize_embedding": true,
             "num_beams": 5, "num_hidden_layers": 12, "output_past": true, "pad_token_id": 1, "scale_embedding": true,
             "static_position_embeddings": false, "vocab_size": 250027}
            """;

    private static HfSeq2SeqConfig parse(String json) throws IOException {
        return HfSeq2SeqConfig.parse(new ObjectMapper().readTree(json), "config.json");
    }

    @Test
    void realConfigLayoutsParse() throws IOException {
        HfSeq2SeqConfig bart = parse(BART_LARGE_CONFIG);
        assertEquals(new HfSeq2SeqConfig(HfSeq2SeqConfig.Family.BART, 1024, 12, 12, 16, 16, 4096, 4096, 50265, 1024, false, "gelu",
                1, 0, 2, 2, -1), bart);
        assertFalse(bart.normalizeBefore());
        assertEquals(1026, bart.positionRows());
        HfSeq2SeqConfig mbart = parse(MBART_CC25_CONFIG);
        assertEquals(new HfSeq2SeqConfig(HfSeq2SeqConfig.Family.MBART, 1024, 12, 12, 16, 16, 4096, 4096, 250027, 1024, true, "gelu",
                1, 0, 2, -1, -1), mbart);
        assertTrue(mbart.normalizeBefore() && mbart.finalLayerNorm());
        assertEquals(parse(BART_LARGE_CONFIG), parse(bart.toJson().toString()), "what the writer saves reads back");
        assertEquals(parse(MBART_CC25_CONFIG), parse(mbart.toJson().toString()));
        assertEquals(ModelDescription.named("bart-large"), bart.toDescription("bart-large"), "the built-in description petl params uses");
        assertEquals(ModelDescription.named("mbart-large-cc25"), mbart.toDescription("mbart-large-cc25"));
    }

    @Test
    void unsupportedConfigsAreOneLine() {
        for (String[] c : new String[][]{
                {"{\"model_type\": \"gpt2\"}", "config.json: model_type 'gpt2' is a decoder-only model; petl needs an encoder (bert, roberta) or an encoder-decoder (bart, mbart)"},
                {"{\"model_type\": \"llama\"}", "model_type 'llama' is a decoder-only model"},
                {"{\"model_type\": \"t5\"}", "config.json: model_type 't5' is an encoder-decoder petl does not build (bart, mbart)"},
                {"{\"model_type\": \"frobnicator\"}", "config.json: model_type 'frobnicator' is not supported (bert, roberta, xlm-roberta, bart, mbart)"},
                {BART_LARGE_CONFIG.replace("\"normalize_before\": false", "\"normalize_before\": true"),
                        "config.json: normalize_before true contradicts model_type 'bart' (BartForConditionalGeneration is post-LayerNorm without final LayerNorms)"},
                {MBART_CC25_CONFIG.replace("\"add_final_layer_norm\": true", "\"add_final_layer_norm\": false"), "add_final_layer_norm false contradicts model_type 'mbart'"},
                {BART_LARGE_CONFIG.replace("\"d_model\": 1024,", ""), "config.json: missing integer 'd_model'"},
                {BART_LARGE_CONFIG.replace("\"encoder_attention_heads\": 16", "\"encoder_attention_heads\": 15"), "d_model 1024 is not divisible by the heads (15, 16)"},
                {BART_LARGE_CONFIG.replace("\"activation_function\": \"gelu\"", "\"activation_function\": \"swish\""), "activation_function 'swish' is not supported"}}) {
            WeightFileException e = assertThrows(WeightFileException.class, () -> parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    private static Path reference(String model) {
        return GoldenReference.root().resolve(model);
    }

    private static void assertSameWeights(Map<String, HostTensor> base, PretrainedSeq2Seq m) {
        for (Map.Entry<String, HostTensor> e : base.entrySet()) {
            HostTensor got = m.weights().get(e.getKey());
            assertNotNull(got, e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            assertArrayEquals(e.getValue().data(), got.data(), 0f, e.getKey());
        }
        assertEquals(base.size(), m.weights().size());
        for (String t : Seq2SeqWeights.TIED) assertSame(m.weights().get(Seq2SeqWeights.SHARED), m.weights().get(t), t + " is the shared matrix");
    }

    @Test
    void tinyBartFolderLoadsThroughWeightsDir(@TempDir Path tmp) {
        HfSeq2SeqConfig written = HfFolderWriter.writeTinyReference(reference("bart"), tmp);
        assertFalse(Safetensors.read(tmp.resolve("model.safetensors")).containsKey("lm_head.weight"), "the tied matrix is stored once");
        assertEquals(new HfSeq2SeqConfig(HfSeq2SeqConfig.Family.BART, 32, 2, 2, 4, 4, 64, 64, 120, 64, false, "gelu", 1, 0, 2, 2, -1), written);
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq(tmp.toString());
        String name = tmp.getFileName().toString();
        assertEquals(ModelDescription.bart(name, 2, 2, 32, 4, 64, 120, 64, "gelu", false), m.description(), "the description of the reference README");
        assertSameWeights(Safetensors.read(reference("bart").resolve("base.safetensors")), m);

        try (Seq2SeqTokenizer t = m.tokenizer(null, null)) {
            String text = "the cat sat on the mat.";
            long[] src = t.source(text, 64);
            assertEquals(0, src[0]);
            assertEquals(2, src[src.length - 1]);
            assertTrue(src.length < text.length(), "learned merges join characters: " + java.util.Arrays.toString(src));
            for (long id : src) assertTrue(id >= 0 && id < 120);
            assertEquals(text, t.decode(src));
            Seq2SeqBatch b = t.encode(List.of(text, "a dog"), List.of("the model", "it is fine!"), 64, 64);
            assertArrayEquals(new int[]{2, 0}, java.util.Arrays.copyOf(b.decoderInputIds()[0], 2), "decoder starts </s> <s> as the reference cases");
            assertEquals("the model", t.decode(b.labels()[0]));
            assertEquals("it is fine!", t.decode(b.labels()[1]));
            assertEquals(b.labels()[0][0], b.decoderInputIds()[0][1], "labels shifted right");
            assertEquals(1, b.inputIds()[1][b.inputIds()[1].length - 1], "padded with <pad>");
            assertEquals(0, b.attentionMask()[1][b.inputIds()[1].length - 1]);
        }
    }

    @Test
    void tinyMbartFolderUsesLanguageCodesLikeMBartTokenizer(@TempDir Path tmp) {
        HfFolderWriter.writeTinyReference(reference("mbart"), tmp);
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq(tmp.toString());
        assertEquals(ModelDescription.mbart(tmp.getFileName().toString(), 2, 2, 32, 4, 64, 120, 64, "gelu"), m.description());
        try (Seq2SeqTokenizer t = m.tokenizer("en_XX", "ro_RO")) {
            assertEquals(119, t.decoderStartTokenId(), "the reference's decoder_start_token_id (ro_RO)");
        }
        assertSameWeights(Safetensors.read(reference("mbart").resolve("base.safetensors")), m);
        assertEquals(Map.of("en_XX", 118L, "ro_RO", 119L), Seq2SeqTokenizer.languageCodes(((PretrainedSeq2Seq.MBartTokens) m.tokens()).json()));
        try (Seq2SeqTokenizer t = m.tokenizer("en_XX", "ro_RO")) {
            Seq2SeqBatch b = t.encode(List.of("the cat sat on the mat ."), List.of("pisica sta pe covor ."), 64, 64);
            int[] src = b.inputIds()[0], lab = b.labels()[0], dec = b.decoderInputIds()[0];
            assertArrayEquals(new int[]{2, 118}, java.util.Arrays.copyOfRange(src, src.length - 2, src.length), "source: tokens </s> en_XX");
            assertArrayEquals(new int[]{2, 119}, java.util.Arrays.copyOfRange(lab, lab.length - 2, lab.length), "labels: tokens </s> ro_RO");
            assertEquals(119, dec[0], "the decoder starts from the target language code");
            assertArrayEquals(java.util.Arrays.copyOf(lab, lab.length - 1), java.util.Arrays.copyOfRange(dec, 1, dec.length));
            assertEquals("the cat sat on the mat .", t.decode(src));
            assertEquals("pisica sta pe covor .", t.decode(dec));
            WeightFileException e = assertThrows(WeightFileException.class, () -> m.tokenizer("de_DE", "ro_RO"));
            assertEquals(((PretrainedSeq2Seq.MBartTokens) m.tokens()).json() + ": language code 'de_DE' is not in the tokenizer (it has en_XX, ro_RO)", e.getMessage());
        }
    }

    @Test
    void mbartFolderWithoutLanguageCodesIsOneLine(@TempDir Path tmp) {
        HfFolderWriter.writeTinyReference(reference("mbart"), tmp);
        TinyTokenizerJson.writeMbart(tmp.resolve("tokenizer.json"), 120, List.of());
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp.toString()));
        assertTrue(e.getMessage().startsWith(tmp.resolve("tokenizer.json") + ": mBART folder without language codes"), e.getMessage());
    }

    @Test
    void configThatDoesNotMatchTheWeightsIsOneLine(@TempDir Path tmp) throws IOException {
        HfFolderWriter.writeTinyReference(reference("bart"), tmp);
        Path cfg = tmp.resolve("config.json");
        String json = Files.readString(cfg);
        Files.writeString(cfg, json.replace("\"encoder_layers\" : 2", "\"encoder_layers\" : 3"));
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp.toString()));
        assertTrue(e.getMessage().startsWith(tmp.getFileName() + " (" + tmp.resolve("model.safetensors") + "): 16 problems (the weights have 2 encoder layers, the config 3): missing model.encoder.layers.2."),
                e.getMessage());
        Files.writeString(cfg, json.replace("\"model_type\" : \"bart\"", "\"model_type\" : \"mbart\"").replace("\"normalize_before\" : false,", "")
                .replace("\"add_final_layer_norm\" : false,", ""));
        e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp.toString()));
        assertTrue(e.getMessage().contains("4 problems (the weights lack the final LayerNorms of model_type mbart): missing model.encoder.layer_norm.weight;"), e.getMessage());
        Files.writeString(cfg, json.replace("\"d_model\" : 32", "\"d_model\" : 64"));
        e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp.toString()));
        assertTrue(e.getMessage().contains("(the weights have d_model 32, the config 64): model.shared.weight has shape [120, 32], expected [120, 64];"), e.getMessage());
        Files.writeString(cfg, json);
        Map<String, HostTensor> w = new java.util.LinkedHashMap<>(Safetensors.read(tmp.resolve("model.safetensors")));
        w.put("model.encoder.layers.0.extra.weight", HostTensor.of(new float[2], 2));
        w.remove("model.decoder.layers.1.fc2.bias");
        Safetensors.write(tmp.resolve("model.safetensors"), w, Map.of());
        e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp.toString()));
        assertTrue(e.getMessage().endsWith(": 2 problems: missing model.decoder.layers.1.fc2.bias; unexpected model.encoder.layers.0.extra.weight"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void binWithForeignPickleGlobalIsOneLine(@TempDir Path tmp) throws IOException {
        HfFolderWriter.writeTinyReference(reference("bart"), tmp);
        Files.delete(tmp.resolve("model.safetensors"));
        byte[] pkl = "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R.".getBytes(StandardCharsets.ISO_8859_1);
        try (OutputStream out = Files.newOutputStream(tmp.resolve("pytorch_model.bin")); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pkl);
        }
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp.toString()));
        assertEquals(tmp.resolve("pytorch_model.bin") + " (archive/data.pkl): refuses pickle global 'os.system' (a pickle can run code; only the tensor-rebuild globals of a state dict are allowed)",
                e.getMessage());
    }

    @Test
    void encoderAndEncoderDecoderFoldersAreNotMixedUp(@TempDir Path tmp) throws IOException {
        HfFolderWriter.writeTinyReference(reference("bart"), tmp);
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolve(tmp.toString()));
        assertEquals(tmp.resolve("config.json") + ": is an encoder-decoder (bart); this needs an encoder (bert, roberta)", e.getMessage());
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"gpt2\", \"n_layer\": 2}");
        e = assertThrows(WeightFileException.class, () -> ModelStore.resolveSeq2Seq(tmp.toString()));
        assertTrue(e.getMessage().startsWith(tmp.resolve("config.json") + ": model_type 'gpt2' is a decoder-only model"), e.getMessage());
    }
}
