package org.petl.models.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.core.io.WeightFileException;
import org.petl.models.EncoderConfig;
import org.petl.models.TestModels;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class HfFolderImporterTest {

    private static final String ROBERTA_CONFIG = """
            {"model_type": "roberta", "num_hidden_layers": 2, "hidden_size": 32, "num_attention_heads": 4,
             "intermediate_size": 64, "vocab_size": 120, "max_position_embeddings": 64, "type_vocab_size": 1,
             "layer_norm_eps": 1e-5, "hidden_act": "gelu", "pad_token_id": 1}
            """;

    private static Path tinyRoberta(Path dir, String config) throws IOException {
        Files.copy(TestModels.shared().resolve("golden/petl-reference/roberta/base.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    @Test
    void tinyRobertaFolderLoads(@TempDir Path tmp) throws IOException {
        PretrainedEncoder m = ModelStore.resolve(tinyRoberta(tmp, ROBERTA_CONFIG).toString());
        EncoderConfig c = m.config();
        assertEquals(EncoderConfig.Family.ROBERTA, c.family());
        assertEquals(2, c.positionOffset());
        assertEquals(1e-5, c.layerNormEps());
        assertEquals(5 + 2 * 16, m.weights().size());
        assertTrue(m.weights().containsKey("embeddings.word_embeddings.weight"));
        assertEquals(4, m.headWeights().size());
        assertTrue(m.headWeights().containsKey("classifier.out_proj.weight"));
        assertNull(m.tokenizer());
        assertNull(m.onnxFile());
    }

    @Test
    void configThatDisagreesWithTheFileIsOneLine(@TempDir Path tmp) throws IOException {
        Path dir = tinyRoberta(tmp, ROBERTA_CONFIG.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 12"));
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolve(dir.toString()));
        assertTrue(e.getMessage().contains("160 problems (the weights have 2 layers, the config 12): missing encoder.layer.2."), e.getMessage());
    }

    @Test
    void truncatedSafetensorsIsOneLine(@TempDir Path tmp) throws IOException {
        Path dir = tinyRoberta(tmp, ROBERTA_CONFIG);
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write(all, 0, all.length / 2);
        }
        WeightFileException e = assertThrows(WeightFileException.class, () -> ModelStore.resolve(dir.toString()));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void missingFilesAreNamed(@TempDir Path tmp) throws IOException {
        WeightFileException noConfig = assertThrows(WeightFileException.class, () -> ModelStore.resolve(tmp.toString()));
        assertTrue(noConfig.getMessage().startsWith(tmp.resolve("config.json") + ": cannot read model config"), noConfig.getMessage());
        Files.writeString(tmp.resolve("config.json"), ROBERTA_CONFIG);
        WeightFileException noWeights = assertThrows(WeightFileException.class, () -> ModelStore.resolve(tmp.toString()));
        assertEquals(tmp.resolve("model.safetensors") + ": weights file not found (nor pytorch_model.bin)", noWeights.getMessage());
    }
}
