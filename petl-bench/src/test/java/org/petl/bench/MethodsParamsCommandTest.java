package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code petl methods} and {@code petl params} through PetlCli.execute. */
class MethodsParamsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String... args) throws Exception {
        CliCapture c = CliCapture.run(args);
        assertEquals(0, c.rc(), c.both());
        assertTrue(c.err().isBlank(), c.both());
        return JSON.readTree(c.out());
    }

    /** Exit 1 with exactly one line on stderr, nothing on stdout. */
    private static String oneLineError(String... args) {
        CliCapture c = CliCapture.run(args);
        assertEquals(1, c.rc(), c.both());
        String e = c.err().strip();
        assertEquals(1, e.lines().count(), "one-line error: " + c.both());
        assertTrue(c.out().isBlank(), c.both());
        return e;
    }

    @Test
    void methodsListsPresetsAndThePlugin() throws Exception {
        CliCapture c = CliCapture.run("methods");
        assertEquals(0, c.rc(), c.both());
        for (String name : List.of("houlsby", "pfeiffer", "prefix", "prompt", "lora", "bitfit", "pa", "spa", "mhpa", "mam", "full", "head", "ia3")) {
            assertTrue(c.out().lines().anyMatch(l -> l.startsWith(name + " - ")), name + " missing:\n" + c.out());
        }
        // the plugin's default configuration through the four dimensions, its own composition included
        assertTrue(c.out().contains("ia3_attn: form learned vector l (width of h, init ones) | representation cross_attn|self_attn.k|v"
                + " | insertion sequential | composition rescale: h ⊙ l"), c.out());
        assertTrue(c.out().contains("mam_ffn: form"), c.out());

        JsonNode j = json("methods", "--json");
        List<String> names = new ArrayList<>();
        j.get("methods").forEach(m -> names.add(m.get("name").asText()));
        assertTrue(names.contains("ia3") && names.contains("mam"), names.toString());
        assertEquals(names.size(), names.stream().distinct().count(), "each provider once");
        JsonNode lora = j.get("methods").get(names.indexOf("lora"));
        assertTrue(lora.get("parameters").toString().contains("r=8"), lora.toString());
        assertEquals(1, lora.get("default_configuration").size(), lora.toString());
        JsonNode ia3 = j.get("methods").get(names.indexOf("ia3"));
        assertEquals(2, ia3.get("default_configuration").size(), ia3.toString());
    }

    @Test
    void paramsReproducesThePapersCounts() throws Exception {
        JsonNode bart = json("params", "--arch", "bart-large", "--method", "mam:l=30,r=512,s=4", "--json");
        assertEquals(27377664L, bart.get("formula_params").asLong());
        assertEquals(6.7, bart.get("percent").asDouble(), 0.05);
        assertEquals("bart-large", bart.get("architecture").asText());
        assertEquals("mam:l=30,r=512,s=4", bart.get("method").asText());
        for (String f : List.of("trainable_params", "stored_params", "base_params", "trainable_percent")) assertTrue(bart.has(f), f);
        assertEquals(100.0 * bart.get("formula_params").asLong() / bart.get("base_params").asLong(), bart.get("percent").asDouble(), 1e-9);
        // the prefix MLP trains but is collapsed on save
        assertTrue(bart.get("trainable_params").asLong() > bart.get("stored_params").asLong(), bart.toString());

        JsonNode roberta = json("params", "--arch", "roberta-base", "--method", "mam:l=16,r=16,s=2", "--json");
        assertEquals(589824L, roberta.get("formula_params").asLong());
        assertEquals(0.47, roberta.get("percent").asDouble(), 0.005);

        CliCapture text = CliCapture.run("params", "--arch", "roberta-base", "--method", "mam:l=16,r=16,s=2");
        assertEquals(0, text.rc(), text.both());
        assertTrue(text.out().contains("589,824") && text.out().contains("formula"), text.out());
    }

    @Test
    void paramsDescribesWarmStartsAndFoldersWithoutWeights() throws Exception {
        // LoRA r=8 on q and v: 2 · r · (d + d) per attention module; the warm start has 6 encoder self-, 6 decoder
        // self- and 6 cross-attentions of d = 384
        JsonNode warm = json("params", "--arch", "minilm-l6:seq2seq", "--method", "lora:r=8", "--json");
        assertEquals(18L * 2 * 8 * (384 + 384), warm.get("formula_params").asLong(), warm.toString());
        assertEquals("minilm-l6:seq2seq", warm.get("architecture").asText());
        JsonNode enc = json("params", "--arch", "minilm-l6", "--method", "lora:r=8", "--json");
        assertEquals(6L * 2 * 8 * (384 + 384), enc.get("formula_params").asLong());
        // the decoder: 6 layers of two attentions (4 · (d² + d) each) and an FFN (2 · d · 1536 + 1536 + d), three
        // LayerNorms per layer, plus its own position table (512 · d) and embedding LayerNorm; the token-type table
        // (2 · d) is folded into the positions
        long d = 384, decoder = 6 * (2 * 4 * (d * d + d) + (2 * d * 1536 + 1536 + d) + 3 * 2 * d) + 512 * d + 2 * d;
        assertEquals(enc.get("base_params").asLong() + decoder - 2 * d, warm.get("base_params").asLong());
    }

    @Test
    void paramsCountsThePlugin() throws Exception {
        // (IA)³ on RoBERTa-base: per layer 768 (k) + 768 (v) + 3072 (ffn hidden), 12 layers
        JsonNode j = json("params", "--arch", "roberta-base", "--method", "ia3", "--json");
        assertEquals(12L * (768 + 768 + 3072), j.get("formula_params").asLong());
        assertEquals(j.get("formula_params").asLong(), j.get("trainable_params").asLong());
        assertEquals(j.get("formula_params").asLong(), j.get("stored_params").asLong());
    }

    @Test
    void badInputsGiveOneLineAndExitOne() {
        String arch = oneLineError("params", "--arch", "gpt-5", "--method", "lora");
        assertTrue(arch.contains("unknown architecture 'gpt-5'") && arch.contains("roberta-base"), arch);
        String method = oneLineError("params", "--arch", "roberta-base", "--method", "loraa:r=8");
        assertTrue(method.contains("unknown method 'loraa'") && method.contains("ia3"), method);
        String zero = oneLineError("params", "--arch", "roberta-base", "--method", "lora:r=0");
        assertTrue(zero.contains("r must be positive"), zero);
        String param = oneLineError("params", "--arch", "roberta-base", "--method", "lora:rank=8");
        assertTrue(param.contains("unknown parameter 'rank'"), param);
        String site = oneLineError("params", "--arch", "roberta-base", "--method", "lora:r=2,layers=12");
        assertTrue(site.contains("layer 12 does not exist") && site.contains("0-11"), site);
    }

    @Test
    void archHelpListsTheKnownNames() {
        CliCapture c = CliCapture.run("params", "--help");
        assertEquals(0, c.rc(), c.both());
        for (String n : List.of("roberta-base", "bart-large", "mbart-large-cc25", "minilm-l6")) assertTrue(c.out().contains(n), c.out());
    }
}
