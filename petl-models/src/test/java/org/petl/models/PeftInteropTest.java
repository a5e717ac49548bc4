package org.petl.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.EncoderConfig;
import org.petl.models.store.PretrainedEncoder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * PEFT export and import on the real all-MiniLM-L6-v2, checked against PEFT's own rules (read in PEFT 0.13's
 * {@code tuners/lora/config.py}, {@code tuners/prefix_tuning/config.py}, {@code utils/save_and_load.py},
 * {@code peft_model.py}) and transformers' module tree of {@code BertForSequenceClassification}, written out here
 * independently of petl's writer: keys, config fields, shapes, and logits after reloading.
 */
class PeftInteropTest {

    static PretrainedEncoder model;
    static EncoderBatch batch;
    static final ObjectMapper JSON = new ObjectMapper();

    /** Every field LoraConfig (with PeftConfig's) has in each PEFT release 0.6 to 0.13: older ones reject others. */
    static final Set<String> LORA_FIELDS_0_6 = Set.of("peft_type", "auto_mapping", "base_model_name_or_path", "revision", "task_type",
            "inference_mode", "r", "target_modules", "lora_alpha", "lora_dropout", "fan_in_fan_out", "bias", "modules_to_save",
            "init_lora_weights", "layers_to_transform", "layers_pattern", "rank_pattern", "alpha_pattern");
    static final Set<String> PREFIX_FIELDS_0_6 = Set.of("peft_type", "auto_mapping", "base_model_name_or_path", "revision", "task_type",
            "inference_mode", "num_virtual_tokens", "token_dim", "num_transformer_submodules", "num_attention_heads", "num_layers",
            "encoder_hidden_size", "prefix_projection");

    @BeforeAll
    static void load() {
        model = TestModels.load("minilm-l6");
        batch = EncoderBatch.of(model.tokenizer().encode(List.of("a gorgeous, witty, seductive movie.",
                "the plot is nothing but boilerplate clichés.", "too slow, too long and too little happens."), 32));
    }

    static EncoderGraph graph(boolean hfHead) {
        EncoderGraph.HeadConfig head = hfHead ? EncoderGraph.HeadConfig.transformers(2) : new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.MEAN, false);
        return EncoderGraph.build(model.config(), model.weights(), new EncoderGraph.Options(head, false, 0, 0, 7));
    }

    static INDArray logits(EncoderGraph g) {
        return g.sameDiff().output(new HashMap<>(batch.placeholders(model.config(), 1f)), "logits").get("logits").dup();
    }

    static double diff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    /** Applies a method and moves every trainable off its initialisation (LoRA's B starts at zero). */
    static AppliedMethod trained(EncoderGraph g, String spec) {
        AppliedMethod a = Rewriter.apply(g, Methods.parse(spec), 3);
        Nd4j.getRandom().setSeed(11);
        for (String n : a.trainable()) {
            INDArray v = g.sameDiff().getArrForVarName(n);
            v.addi(Nd4j.rand(v.shape()).subi(0.5).muli(0.2));
        }
        return a;
    }

    static INDArray reload(Path dir, boolean hfHead) {
        EncoderGraph g = graph(hfHead);
        AdapterFiles.Loaded l = AdapterFiles.load(dir, g);
        Rewriter.apply(g, l.method(), 99, l.added());
        AdapterFiles.assignBase(g, l.base(), dir);
        return logits(g);
    }

    /** transformers' BertForSequenceClassification module paths (modeling_bert.py), for a model of this size. */
    static Set<String> bertModules(int layers) {
        Set<String> m = new TreeSet<>(List.of("bert", "bert.embeddings", "bert.embeddings.word_embeddings", "bert.embeddings.position_embeddings",
                "bert.embeddings.token_type_embeddings", "bert.embeddings.LayerNorm", "bert.embeddings.dropout", "bert.encoder",
                "bert.encoder.layer", "bert.pooler", "bert.pooler.dense", "bert.pooler.activation", "dropout", "classifier"));
        for (int i = 0; i < layers; i++) {
            String p = "bert.encoder.layer." + i;
            for (String s : List.of("", ".attention", ".attention.self", ".attention.self.query", ".attention.self.key", ".attention.self.value",
                    ".attention.self.dropout", ".attention.output", ".attention.output.dense", ".attention.output.LayerNorm", ".attention.output.dropout",
                    ".intermediate", ".intermediate.dense", ".intermediate.intermediate_act_fn", ".output", ".output.dense", ".output.LayerNorm",
                    ".output.dropout")) {
                m.add(p + s);
            }
        }
        return m;
    }

    /** PEFT's target matching (tuners_utils.check_target_module_exists): exact name, else '.'+suffix. */
    static Set<String> wrappedByPeft(JsonNode cfg, Set<String> modules) {
        Set<String> targets = new TreeSet<>();
        cfg.path("target_modules").forEach(t -> targets.add(t.asText()));
        Set<String> hit = new TreeSet<>();
        for (String key : modules) {
            if (targets.contains(key) || targets.stream().anyMatch(t -> key.endsWith("." + t))) hit.add(key);
        }
        return hit;
    }

    @Test
    void loraExportIsWhatPeftLoadsOnBertForSequenceClassification(@TempDir Path dir) throws Exception {
        EncoderGraph g = graph(true);
        AppliedMethod a = trained(g, "lora:r=4,s=2,targets=q,v,o,layers=0-2");
        INDArray before = logits(g);
        AdapterFiles.Written w = AdapterFiles.save(a, dir, "minilm-l6");
        assertEquals("LORA", w.peftType());

        JsonNode cfg = JSON.readTree(dir.resolve(AdapterFiles.CONFIG).toFile());
        cfg.fieldNames().forEachRemaining(f -> assertTrue(LORA_FIELDS_0_6.contains(f), "LoraConfig has no field '" + f + "'"));
        assertEquals("LORA", cfg.path("peft_type").asText());
        assertEquals("SEQ_CLS", cfg.path("task_type").asText());
        assertEquals(4, cfg.path("r").asInt());
        assertEquals(8, cfg.path("lora_alpha").asInt(), "scaling = lora_alpha / r = s");
        assertEquals("none", cfg.path("bias").asText());
        assertEquals(List.of(0, 1, 2), toInts(cfg.path("layers_to_transform")));
        Set<String> modulesToSave = new TreeSet<>();
        cfg.path("modules_to_save").forEach(x -> modulesToSave.add(x.asText()));
        assertEquals(Set.of("classifier", "pooler"), modulesToSave);

        // PEFT wraps exactly the nine adapted modules of the transformers class, nothing else
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < 3; i++) {
            for (String s : List.of(".attention.self.query", ".attention.self.value", ".attention.output.dense")) expected.add("bert.encoder.layer." + i + s);
        }
        Set<String> modules = bertModules(6);
        assertEquals(expected, wrappedByPeft(cfg, modules));

        // save_and_load.py: base_model.model.<module>.lora_A.weight, modules_to_save under the module's own names
        Map<String, HostTensor> t = Safetensors.read(dir.resolve(AdapterFiles.WEIGHTS));
        Set<String> keys = new TreeSet<>();
        for (String m : expected) {
            keys.add("base_model.model." + m + ".lora_A.weight");
            keys.add("base_model.model." + m + ".lora_B.weight");
            assertArrayEquals(new long[]{4, 384}, t.get("base_model.model." + m + ".lora_A.weight").shape());
            assertArrayEquals(new long[]{384, 4}, t.get("base_model.model." + m + ".lora_B.weight").shape());
        }
        keys.addAll(List.of("base_model.model.bert.pooler.dense.weight", "base_model.model.bert.pooler.dense.bias",
                "base_model.model.classifier.weight", "base_model.model.classifier.bias"));
        assertEquals(keys, t.keySet(), "no missing and no unexpected keys");
        assertArrayEquals(new long[]{2, 384}, t.get("base_model.model.classifier.weight").shape());
        for (String k : keys) {
            String module = k.substring("base_model.model.".length(), k.lastIndexOf('.'));
            if (module.endsWith(".lora_A") || module.endsWith(".lora_B")) module = module.substring(0, module.length() - 7);
            assertTrue(modules.contains(module), k + " names no module of BertForSequenceClassification");
        }
        assertFalse(Files.exists(dir.resolve(AdapterFiles.EXTRA)), "everything has a PEFT place");

        assertTrue(diff(before, reload(dir, true)) <= 1e-5, "petl reload: " + diff(before, reload(dir, true)));
        // the folder as PEFT alone would read it: petl's own file removed
        Files.delete(dir.resolve(AdapterFiles.PETL_CONFIG));
        assertTrue(diff(before, reload(dir, true)) <= 1e-5, "PEFT-rules reload: " + diff(before, reload(dir, true)));
        String wrongHead = assertThrows(WeightFileException.class, () -> reload(dir, false)).getMessage();
        assertTrue(wrongHead.contains("--head hf"), wrongHead);
    }

    /**
     * --head hf on RoBERTa is RobertaForSequenceClassification's head: on the paper code's tiny RoBERTa (its own
     * checkpoint's classifier.dense / classifier.out_proj), the base case's classification_logits, computed by
     * transformers, within the conformance tolerance.
     */
    @Test
    void robertaTransformersHeadComputesRobertaForSequenceClassification() {
        EncoderConfig cfg = GoldenReference.tinyRobertaConfig();
        EncoderGraph g = EncoderGraph.build(cfg, GoldenReference.tinyRobertaWeights(),
                new EncoderGraph.Options(EncoderGraph.HeadConfig.transformers(2), false, 0, 0, 7));
        JsonNode c = GoldenReference.caseJson("roberta", "base");
        EncoderBatch b = new EncoderBatch(GoldenReference.ints(c.at("/inputs/input_ids")), null, GoldenReference.ints(c.at("/inputs/attention_mask")));
        INDArray logits = g.sameDiff().output(new HashMap<>(b.placeholders(cfg, 1f)), "logits").get("logits");
        JsonNode want = c.at("/outputs/classification_logits/values");
        assertEquals(want.size(), logits.rows());
        double worst = 0;
        for (int i = 0; i < want.size(); i++) {
            for (int k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(want.get(i).get(k).asDouble() - logits.getDouble(i, k)));
        }
        assertTrue(worst <= org.petl.models.conformance.ConformanceRunner.TOLERANCE, "max |petl - transformers| = " + worst);
    }

    /**
     * RoBERTa (the paper's tiny reference model) with transformers' head: RobertaForSequenceClassification's names
     * (modeling_roberta.py: roberta.encoder.layer.i..., classifier.dense / classifier.out_proj, no pooler), the head
     * under modules_to_save, and the reload computes the same logits.
     */
    @Test
    void robertaLoraExportsAsRobertaForSequenceClassification(@TempDir Path dir) throws Exception {
        EncoderConfig cfg = GoldenReference.tinyRobertaConfig();
        EncoderGraph g = EncoderGraph.build(cfg, GoldenReference.tinyRobertaWeights(),
                new EncoderGraph.Options(EncoderGraph.HeadConfig.transformers(2), false, 0, 0, 7));
        AppliedMethod a = trained(g, "lora:r=2,s=2,targets=q,v");
        EncoderBatch b = new EncoderBatch(new int[][]{{0, 17, 33, 59, 2}, {0, 84, 5, 2, 1}}, null, new int[][]{{1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}});
        INDArray before = g.sameDiff().output(new HashMap<>(b.placeholders(cfg, 1f)), "logits").get("logits").dup();
        assertEquals("LORA", AdapterFiles.save(a, dir, "tiny-roberta").peftType());

        JsonNode peft = JSON.readTree(dir.resolve(AdapterFiles.CONFIG).toFile());
        assertEquals("SEQ_CLS", peft.path("task_type").asText());
        assertEquals(List.of("classifier"), java.util.stream.StreamSupport.stream(peft.path("modules_to_save").spliterator(), false).map(JsonNode::asText).toList());
        Set<String> targets = new TreeSet<>();
        peft.path("target_modules").forEach(t -> targets.add(t.asText()));
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < 2; i++) for (String m : List.of("query", "value")) expected.add("roberta.encoder.layer." + i + ".attention.self." + m);
        assertEquals(expected, targets);

        Set<String> keys = new TreeSet<>();
        for (String m : expected) for (String ab : List.of("lora_A", "lora_B")) keys.add("base_model.model." + m + "." + ab + ".weight");
        for (String m : List.of("dense", "out_proj")) for (String wb : List.of("weight", "bias")) keys.add("base_model.model.classifier." + m + "." + wb);
        Map<String, HostTensor> t = Safetensors.read(dir.resolve(AdapterFiles.WEIGHTS));
        assertEquals(keys, t.keySet(), "no missing and no unexpected keys");
        assertArrayEquals(new long[]{2, 32}, t.get("base_model.model.classifier.out_proj.weight").shape(), "Linear weights [out, in]");

        Files.delete(dir.resolve(AdapterFiles.PETL_CONFIG));   // PEFT's rules alone
        EncoderGraph again = EncoderGraph.build(cfg, GoldenReference.tinyRobertaWeights(),
                new EncoderGraph.Options(EncoderGraph.HeadConfig.transformers(2), false, 0, 0, 7));
        AdapterFiles.Loaded l = AdapterFiles.load(dir, again);
        Rewriter.apply(again, l.method(), 99, l.added());
        AdapterFiles.assignBase(again, l.base(), dir);
        INDArray after = again.sameDiff().output(new HashMap<>(b.placeholders(cfg, 1f)), "logits").get("logits");
        assertTrue(diff(before, after) <= 1e-5, "reload: " + diff(before, after));
    }

    /**
     * A folder laid out the way PEFT 0.13 saves one (every LoraConfig field, its default values, keys by
     * save_and_load.py), tensors from a seeded generator. petl's import must equal transformers' forward with
     * W + (alpha/r)·B·A folded into the base weights, here re-applied by hand on a plain graph.
     */
    @Test
    void peftWrittenLoraFolderComputesTransformersMath(@TempDir Path dir) throws Exception {
        int r = 8;
        double alpha = 16;
        String peftConfig = """
                {"alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2",
                 "bias": "none", "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "layer_replication": null,
                 "layers_pattern": null, "layers_to_transform": null, "loftq_config": {}, "lora_alpha": 16, "lora_dropout": 0.1,
                 "megatron_config": null, "megatron_core": "megatron.core", "modules_to_save": ["classifier", "score"], "peft_type": "LORA",
                 "r": 8, "rank_pattern": {}, "revision": null, "target_modules": ["query", "value"], "task_type": "SEQ_CLS",
                 "use_dora": false, "use_rslora": false}""";
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), peftConfig);
        java.util.Random rnd = new java.util.Random(5);
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        Map<String, float[][]> update = new LinkedHashMap<>();   // graph weight name -> ΔW [in, out]
        for (int i = 0; i < 6; i++) {
            for (String m : List.of("query", "value")) {
                String path = "bert.encoder.layer." + i + ".attention.self." + m;
                float[] A = gauss(rnd, r * 384, 0.05), B = gauss(rnd, 384 * r, 0.05);
                tensors.put("base_model.model." + path + ".lora_A.weight", HostTensor.of(A, r, 384));
                tensors.put("base_model.model." + path + ".lora_B.weight", HostTensor.of(B, 384, r));
                float[][] dw = new float[384][384];   // (B·A)ᵀ scaled: dw[in][out] = s·Σ_k B[out][k]·A[k][in]
                for (int in = 0; in < 384; in++) {
                    for (int out = 0; out < 384; out++) {
                        double sum = 0;
                        for (int k = 0; k < r; k++) sum += B[out * r + k] * A[k * 384 + in];
                        dw[in][out] = (float) (alpha / r * sum);
                    }
                }
                update.put("encoder.layer." + i + ".attention.self." + m + ".weight", dw);
            }
        }
        float[] pw = gauss(rnd, 384 * 384, 0.05), pb = gauss(rnd, 384, 0.05), cw = gauss(rnd, 2 * 384, 0.05), cb = gauss(rnd, 2, 0.05);
        tensors.put("base_model.model.bert.pooler.dense.weight", HostTensor.of(pw, 384, 384));
        tensors.put("base_model.model.bert.pooler.dense.bias", HostTensor.of(pb, 384));
        tensors.put("base_model.model.classifier.weight", HostTensor.of(cw, 2, 384));
        tensors.put("base_model.model.classifier.bias", HostTensor.of(cb, 2));
        Safetensors.write(dir.resolve(AdapterFiles.WEIGHTS), tensors, Map.of("format", "pt"));

        EncoderGraph plain = graph(true);
        update.forEach((n, dw) -> plain.sameDiff().getArrForVarName(n).addi(Nd4j.createFromArray(dw)));
        plain.sameDiff().getArrForVarName("pooler.dense.weight").assign(Nd4j.create(pw, new long[]{384, 384}, 'c').transpose());
        plain.sameDiff().getArrForVarName("pooler.dense.bias").assign(Nd4j.create(pb, new long[]{384}, 'c'));
        plain.sameDiff().getArrForVarName("classifier.weight").assign(Nd4j.create(cw, new long[]{2, 384}, 'c').transpose());
        plain.sameDiff().getArrForVarName("classifier.bias").assign(Nd4j.create(cb, new long[]{2}, 'c'));
        INDArray expected = logits(plain);

        EncoderGraph g = graph(true);
        AdapterFiles.Loaded l = AdapterFiles.load(dir, g);
        assertEquals(List.of(r), List.of(((org.petl.core.method.Bottleneck) ((org.petl.core.method.Modification.Delta) l.method().modifications().get(0)).form()).r()));
        AppliedMethod a = Rewriter.apply(g, l.method(), 0, l.added());
        AdapterFiles.assignBase(g, l.base(), dir);
        assertEquals(6 * 2 * 2, a.added().size());
        assertTrue(diff(expected, logits(g)) <= 1e-4, "PEFT folder vs folded math: " + diff(expected, logits(g)));

        Files.writeString(dir.resolve(AdapterFiles.CONFIG), peftConfig.replace("\"use_dora\": false", "\"use_dora\": true"));
        String dora = assertThrows(WeightFileException.class, () -> AdapterFiles.load(dir, graph(true))).getMessage();
        assertTrue(dora.contains("DoRA") && !dora.contains("\n"), dora);
        Files.writeString(dir.resolve(AdapterFiles.CONFIG), peftConfig.replace("\"LORA\"", "\"IA3\""));
        String ia3 = assertThrows(WeightFileException.class, () -> AdapterFiles.load(dir, graph(true))).getMessage();
        assertTrue(ia3.contains("IA3") && ia3.contains("LORA and PREFIX_TUNING"), ia3);
    }

    @Test
    void prefixExportsAsPeftPrefixTuning(@TempDir Path dir) throws Exception {
        EncoderGraph g = graph(true);
        AppliedMethod a = trained(g, "prefix:l=4,mid=0");
        INDArray before = logits(g);
        AdapterFiles.Written w = AdapterFiles.save(a, dir, "minilm-l6");
        assertEquals("PREFIX_TUNING", w.peftType());
        assertTrue(String.join(" ", w.notes()).contains("numbers the real tokens from l") && w.notes().toString().contains("positions=shifted"), w.notes().toString());
        JsonNode cfg = JSON.readTree(dir.resolve(AdapterFiles.CONFIG).toFile());
        cfg.fieldNames().forEachRemaining(f -> assertTrue(PREFIX_FIELDS_0_6.contains(f), "PrefixTuningConfig has no field '" + f + "'"));
        assertEquals("SEQ_CLS", cfg.path("task_type").asText());
        assertEquals(4, cfg.path("num_virtual_tokens").asInt());
        assertEquals(6, cfg.path("num_layers").asInt());
        assertEquals(384, cfg.path("token_dim").asInt());
        assertEquals(12, cfg.path("num_attention_heads").asInt());
        assertEquals(1, cfg.path("num_transformer_submodules").asInt());
        Map<String, HostTensor> t = Safetensors.read(dir.resolve(AdapterFiles.WEIGHTS));
        // prompt learning: PeftModel.base_model is the transformers model itself, so its keys are base_model.*
        assertEquals(Set.of("prompt_embeddings", "base_model.bert.pooler.dense.weight", "base_model.bert.pooler.dense.bias",
                "base_model.classifier.weight", "base_model.classifier.bias"), t.keySet());
        HostTensor p = t.get("prompt_embeddings");
        assertArrayEquals(new long[]{4, 6 * 2 * 384}, p.shape());
        // PEFT: view [l, 2·layers, H, hs] → permute → split(2): layer 3's values are block 2·3+1
        INDArray v3 = g.sameDiff().getArrForVarName("prefix.encoder.layer.3.self_attn.heads.value");
        assertEquals(v3.getFloat(2, 100), p.data()[2 * 6 * 2 * 384 + 7 * 384 + 100], 0f);
        assertTrue(diff(before, reload(dir, true)) <= 1e-5);
        // by PEFT's rules alone the folder is what PEFT computes: the same tables with the real tokens numbered from l
        Files.delete(dir.resolve(AdapterFiles.PETL_CONFIG));
        EncoderGraph shifted = graph(true);
        Map<String, INDArray> tables = new HashMap<>();
        a.added().keySet().forEach(n -> tables.put(n, g.sameDiff().getArrForVarName(n).dup()));
        Rewriter.apply(shifted, Methods.parse("prefix:l=4,mid=0,positions=shifted"), 0, tables);
        for (String n : List.of("pooler.dense.weight", "pooler.dense.bias", "classifier.weight", "classifier.bias")) {
            shifted.sameDiff().getArrForVarName(n).assign(g.sameDiff().getArrForVarName(n));
        }
        INDArray peft = reload(dir, true);
        assertTrue(diff(logits(shifted), peft) <= 1e-5, "PEFT-rules reload vs the shifted prefix: " + diff(logits(shifted), peft));
        assertTrue(diff(before, peft) > 1e-4, "the unshifted prefix is not what PEFT computes");
    }

    @Test
    void petlHeadAndNonPeftMethodsSayWhatTheyAre(@TempDir Path dir) throws Exception {
        // LoRA with petl's mean-pool head: the encoder part is a bare-BertModel PEFT adapter, the head stays petl's
        EncoderGraph g = graph(false);
        AppliedMethod a = trained(g, "lora:r=2,s=1");
        INDArray before = logits(g);
        Path lora = dir.resolve("lora");
        AdapterFiles.Written w = AdapterFiles.save(a, lora, "minilm-l6");
        assertTrue(w.notes().get(0).contains("--head hf"), w.notes().toString());
        JsonNode cfg = JSON.readTree(lora.resolve(AdapterFiles.CONFIG).toFile());
        assertEquals("FEATURE_EXTRACTION", cfg.path("task_type").asText());
        assertTrue(cfg.path("modules_to_save").isNull());
        assertTrue(Safetensors.read(lora.resolve(AdapterFiles.WEIGHTS)).containsKey("base_model.model.encoder.layer.5.attention.self.value.lora_B.weight"));
        assertEquals(Set.of("classifier.out_proj.weight", "classifier.out_proj.bias"), Safetensors.read(lora.resolve(AdapterFiles.EXTRA)).keySet());
        assertTrue(diff(before, reload(lora, false)) <= 1e-5);

        // a parallel adapter: PEFT has no such method, so no adapter_config.json (never peft_type "PETL")
        EncoderGraph g2 = graph(true);
        AppliedMethod pa = trained(g2, "pa:r=8");
        INDArray paBefore = logits(g2);
        Path paDir = dir.resolve("pa");
        AdapterFiles.Written pw = AdapterFiles.save(pa, paDir, "minilm-l6");
        assertNull(pw.peftType());
        assertFalse(Files.exists(paDir.resolve(AdapterFiles.CONFIG)));
        assertTrue(pw.notes().get(0).contains("no PEFT equivalent"), pw.notes().toString());
        assertTrue(diff(paBefore, reload(paDir, true)) <= 1e-5);
    }

    /** AdapterHub's layout (adapters: methods/modeling.py, methods/bottleneck.py, models/bert/mixin_bert.py, utils.py). */
    @Test
    void bottleneckAdaptersExportInAdapterHubLayout(@TempDir Path dir) throws Exception {
        EncoderGraph g = graph(true);
        AppliedMethod h = trained(g, "houlsby:r=32,layers=0-3");
        Path hd = dir.resolve("houlsby");
        org.petl.core.adapter.AdapterHubFormat.Written w = org.petl.core.adapter.AdapterHubFormat.save(h, hd, List.of("neg", "pos"));
        JsonNode cfg = JSON.readTree(hd.resolve("adapter_config.json").toFile());
        JsonNode c = cfg.path("config");
        assertEquals("bert", cfg.path("model_type").asText());
        assertEquals(384, cfg.path("hidden_size").asInt());
        assertTrue(c.path("mh_adapter").asBoolean() && c.path("output_adapter").asBoolean());
        assertFalse(c.path("original_ln_before").asBoolean());
        assertTrue(c.path("residual_before_ln").asBoolean() && c.path("original_ln_after").asBoolean());
        assertEquals(32, (int) Math.floor(384 / c.path("reduction_factor").asDouble()), "down_sample = input_size // reduction_factor");
        assertEquals("relu", c.path("non_linearity").asText());
        assertEquals(List.of(4, 5), toInts(c.path("leave_out")));
        Map<String, HostTensor> t = Safetensors.read(hd.resolve("adapter.safetensors"));
        String n = w.name();
        assertEquals(4 * 2 * 4, t.size());
        assertArrayEquals(new long[]{32, 384}, t.get("bert.encoder.layer.0.attention.output.adapters." + n + ".adapter_down.0.weight").shape());
        assertArrayEquals(new long[]{384, 32}, t.get("bert.encoder.layer.3.output.adapters." + n + ".adapter_up.weight").shape());
        assertArrayEquals(new long[]{32}, t.get("bert.encoder.layer.3.output.adapters." + n + ".adapter_down.0.bias").shape());
        assertTrue(t.keySet().stream().noneMatch(k -> k.contains("layer.4.")));
        // the head: ClassificationHead [dropout, Linear, tanh, dropout, Linear] = BERT's pooler + classifier
        Map<String, HostTensor> head = Safetensors.read(hd.resolve("model_head.safetensors"));
        assertEquals(Set.of("heads." + n + ".1.weight", "heads." + n + ".1.bias", "heads." + n + ".4.weight", "heads." + n + ".4.bias"), head.keySet());
        assertArrayEquals(new long[]{2, 384}, head.get("heads." + n + ".4.weight").shape());
        assertEquals(1, JSON.readTree(hd.resolve("head_config.json").toFile()).path("config").path("label2id").path("pos").asInt());

        AppliedMethod pf = trained(graph(true), "pfeiffer:r=48");
        JsonNode pc = JSON.readTree(adapterHub(pf, dir.resolve("pf")).resolve("adapter_config.json").toFile()).path("config");
        assertTrue(pc.path("original_ln_before").asBoolean() && !pc.path("mh_adapter").asBoolean() && pc.path("output_adapter").asBoolean());
        assertEquals(8.0, pc.path("reduction_factor").asDouble());

        AppliedMethod spa = trained(graph(true), "spa:r=16,s=4");
        JsonNode sc = JSON.readTree(adapterHub(spa, dir.resolve("spa")).resolve("adapter_config.json").toFile()).path("config");
        assertTrue(sc.path("is_parallel").asBoolean());
        assertEquals(4.0, sc.path("scaling").asDouble());

        org.petl.core.adapter.AdapterHubFormat.Written mam = org.petl.core.adapter.AdapterHubFormat.save(trained(graph(true), "mam:l=4,r=16,s=2,mid=0"), dir.resolve("mam"), List.of());
        assertTrue(mam.notes().get(0).contains("prefix part"), mam.notes().toString());
        assertEquals(6 * 4, Safetensors.read(dir.resolve("mam").resolve("adapter.safetensors")).size());

        String lora = assertThrows(IllegalArgumentException.class, () -> org.petl.core.adapter.AdapterHubFormat.save(trained(graph(true), "lora:r=2"), dir.resolve("x"), List.of())).getMessage();
        assertTrue(lora.contains("--format peft"), lora);
    }

    static Path adapterHub(AppliedMethod a, Path dir) {
        org.petl.core.adapter.AdapterHubFormat.save(a, dir, List.of());
        return dir;
    }

    /** BART LoRA (encoder, decoder and cross-attention q, v) as PEFT's SEQ_2_SEQ_LM on BartForConditionalGeneration. */
    @Test
    void bartLoraExportsAsSeq2SeqLm(@TempDir Path dir) throws Exception {
        var c = org.petl.models.conformance.ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve("bart/base"));
        var lm = org.petl.models.assembly.Seq2SeqLm.build(c.description(), c.weights(), org.petl.models.graph.ModelGraph.Options.inference());
        AppliedMethod a = Rewriter.apply(lm.graph(), Methods.parse("lora:r=2,s=2,targets=q,v"), 3);
        for (String n : a.trainable()) {
            if (n.contains("lora")) lm.graph().sameDiff().getArrForVarName(n).addi(Nd4j.rand(lm.graph().sameDiff().getArrForVarName(n).shape()).subi(0.5).muli(0.2));
        }
        var feed = c.batch().placeholders(c.description(), 1f);
        String out = org.petl.models.assembly.Seq2SeqLm.LOGITS;
        INDArray before = lm.graph().sameDiff().output(feed, out).get(out).dup();
        AdapterFiles.Written w = AdapterFiles.save(a, dir, "tiny-bart");
        assertEquals("LORA", w.peftType());
        JsonNode cfg = JSON.readTree(dir.resolve(AdapterFiles.CONFIG).toFile());
        assertEquals("SEQ_2_SEQ_LM", cfg.path("task_type").asText());
        assertTrue(cfg.path("modules_to_save").isNull(), "the LM head is tied to the frozen word table");
        int enc = c.description().encoderLayers(), dec = c.description().decoderLayers();
        Set<String> modules = new TreeSet<>();   // transformers' modeling_bart.py module paths
        for (int i = 0; i < enc; i++) {
            for (String m : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "fc1", "fc2")) modules.add("model.encoder.layers." + i + "." + m);
        }
        for (int i = 0; i < dec; i++) {
            for (String m : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "encoder_attn.q_proj", "encoder_attn.k_proj",
                    "encoder_attn.v_proj", "encoder_attn.out_proj", "fc1", "fc2")) modules.add("model.decoder.layers." + i + "." + m);
        }
        Set<String> expected = new TreeSet<>();
        for (String m : modules) if (m.endsWith("q_proj") || m.endsWith("v_proj")) expected.add(m);
        assertEquals(expected, wrappedByPeft(cfg, modules));
        Set<String> keys = new TreeSet<>();
        for (String m : expected) {
            keys.add("base_model.model." + m + ".lora_A.weight");
            keys.add("base_model.model." + m + ".lora_B.weight");
        }
        assertEquals(keys, Safetensors.read(dir.resolve(AdapterFiles.WEIGHTS)).keySet());

        var fresh = org.petl.models.assembly.Seq2SeqLm.build(c.description(), c.weights(), org.petl.models.graph.ModelGraph.Options.inference());
        AdapterFiles.Loaded l = AdapterFiles.load(dir, fresh.graph());
        Rewriter.apply(fresh.graph(), l.method(), 0, l.added());
        assertTrue(diff(before, fresh.graph().sameDiff().output(feed, out).get(out)) <= 1e-5);
    }

    static float[] gauss(java.util.Random rnd, int n, double sd) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (rnd.nextGaussian() * sd);
        return f;
    }

    static List<Integer> toInts(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asInt()));
        return out;
    }
}
