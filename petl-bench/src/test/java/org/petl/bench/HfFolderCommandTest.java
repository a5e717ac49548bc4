package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code petl hf-folder}: the tiny reference BART as a real HF folder, read back as --weights / --arch read it. */
class HfFolderCommandTest {

    private static Path reference(String model) {
        return Path.of(System.getProperty("petl.shared", Path.of("..", "..", "shared").toString()), "golden", "petl-reference", model);
    }

    @Test
    void writesAFolderThatLoads(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("tiny-bart");
        CliCapture c = CliCapture.run("hf-folder", "--reference", reference("bart").toString(), "--out", out.toString());
        assertEquals(0, c.rc(), c.both());
        assertTrue(c.out().startsWith("wrote " + out + " (BartForConditionalGeneration, d_model 32, 2+2 layers, vocab 120)"), c.out());
        PretrainedSeq2Seq m = ModelStore.resolveSeq2Seq(out.toString());
        assertEquals(2, m.description().decoderLayers());
        // LoRA r=4 on q, v of 2 encoder self-, 2 decoder self- and 2 cross-attentions of d = 32
        CliCapture p = CliCapture.run("params", "--arch", out.toString(), "--method", "lora:r=4", "--json");
        assertEquals(0, p.rc(), p.both());
        JsonNode j = new ObjectMapper().readTree(p.out());
        assertEquals(6L * 2 * 4 * (32 + 32), j.get("formula_params").asLong(), j.toString());
        assertEquals(m.description().baseParameters(), j.get("base_params").asLong());
    }

    @Test
    void aFolderWithoutBaseWeightsIsOneLine(@TempDir Path tmp) {
        CliCapture c = CliCapture.run("hf-folder", "--reference", tmp.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, c.rc(), c.both());
        assertEquals(1, c.err().strip().lines().count(), c.both());
        assertTrue(c.err().contains("no base.safetensors"), c.both());
    }
}
