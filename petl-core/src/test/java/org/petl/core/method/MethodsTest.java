package org.petl.core.method;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class MethodsTest {

    @Test
    void mamOnBartLargeMatchesThePaper() {
        ParameterReport r = ParameterReport.of(Architecture.named("bart-large"), Methods.parse("mam:l=30,r=512,s=4"));
        assertEquals(27_377_664L, r.formula());
        assertEquals(6.7, r.formulaPercent(), 0.05);
        assertEquals(406_291_456L, r.base(), "BART-large as Hugging Face counts it");
    }

    @Test
    void mamOnRobertaBaseMatchesThePaper() {
        ParameterReport r = ParameterReport.of(Architecture.named("roberta-base"), Methods.parse("mam:l=16,r=16,s=2"));
        assertEquals(589_824L, r.formula());
        assertEquals(124_645_632L, r.base(), "RoBERTa-base with pooler");
        assertEquals(0.5, r.formulaPercent(), 0.05);
        assertTrue(r.trainable() > r.stored(), "the prefix MLP trains but is collapsed on save");
    }

    @Test
    void loraAtAttentionIsFourRdPerLayer() {
        ParameterReport r = ParameterReport.of(Architecture.named("roberta-base"), Methods.parse("lora:r=8,s=2"));
        assertEquals(12L * 4 * 8 * 768, r.formula());
        assertEquals(r.formula(), r.trainable());
    }

    @Test
    void adapterFormulaIsTwoRdPerSublayer() {
        assertEquals(12L * 2 * 2 * 64 * 768, ParameterReport.of(Architecture.named("roberta-base"), Methods.parse("houlsby:r=64")).formula());
        assertEquals(12L * 2 * 16 * 768, ParameterReport.of(Architecture.named("roberta-base"), Methods.parse("prefix:l=16")).formula());
    }

    @Test
    void specParsingHandlesUnionsAndCommaValues() {
        PetlMethod m = Methods.parse("lora:r=4,targets=q,v+bitfit");
        assertEquals(2, m.modifications().size());
        Modification.Delta lora = (Modification.Delta) m.modifications().get(0);
        assertEquals(2, lora.at().points().size());
        assertInstanceOf(Modification.BiasTuning.class, m.modifications().get(1));
        assertInstanceOf(Composition.LearnedScale.class, ((Modification.Delta) Methods.parse("spa:r=8,s=learned").modifications().get(0)).composition());
    }

    @Test
    void badSpecsAreOneLineErrors() {
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("adapterz:r=8")).getMessage().startsWith("unknown method 'adapterz'"));
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("lora:r=0")).getMessage().contains("r must be positive"));
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("lora:rank=8")).getMessage().contains("unknown parameter 'rank'"));
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("prefix:l=x")).getMessage().contains("not an integer"));
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("lora+lora")).getMessage().contains("twice"));
        for (String bad : new String[]{"", "mam:l=-1", "pa:site=nowhere", "lora:targets=z"}) {
            String msg = assertThrows(MethodSpecException.class, () -> Methods.parse(bad)).getMessage();
            assertFalse(msg.contains("\n"), msg);
        }
    }

    @Test
    void everyPresetHasFourDimensionsToShow() {
        for (MethodProvider p : Methods.providers()) {
            PetlMethod m = p.create(new MethodProvider.Args(p.name(), java.util.Map.of(), java.util.List.of()));
            assertFalse(Methods.describe(m).isEmpty(), p.name());
        }
    }

    @Test
    void jsonMethodFileExpressesAnyTuple(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.json");
        Files.writeString(f, """
                {"modifications": [
                  {"name": "tanh_lora_ffn", "form": {"type": "bottleneck", "r": 4, "act": "tanh", "bias": false, "init": "kaiming_uniform"},
                   "site": {"modules": ["ffn"], "points": ["hidden_pre"], "layers": [0]},
                   "insertion": "projection_parallel", "composition": {"type": "learned_scale", "init": 1}},
                  {"type": "prompt", "name": "p", "l": 3}]}""");
        PetlMethod m = Methods.parse("@" + f);
        assertEquals(2, m.modifications().size());
        Modification.Delta d = (Modification.Delta) m.modifications().get(0);
        assertEquals(Nonlinearity.TANH, ((Bottleneck) d.form()).act());
        assertEquals(Insertion.PROJECTION_PARALLEL, d.insertion());
        Files.writeString(f, "{\"modifications\": [{\"form\": {\"type\": \"mystery\"}}]}");
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("@" + f)).getMessage().contains("modifications[0]"));
    }
}
