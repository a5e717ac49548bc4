package org.petl.models;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.adapter.LoraMerge;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.MethodSpecException;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.PrefixActivations;
import org.petl.core.site.Site;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Every preset on the real all-MiniLM-L6-v2 weights: identity at init, gradients, save/load, merge, bad input. */
class MethodsOnMiniLmTest {

    static PretrainedEncoder model;
    static EncoderBatch batch;
    static final List<String> TEXTS = List.of("a gorgeous, witty, seductive movie.", "the plot is nothing but boilerplate clichés.",
            "it's a charming and often affecting journey.", "too slow, too long and too little happens.");
    static final int[] LABELS = {1, 0, 1, 0};

    @BeforeAll
    static void load() {
        model = ModelStore.resolve("minilm-l6");
        batch = EncoderBatch.of(model.tokenizer().encode(TEXTS, 32));
    }

    static EncoderGraph graph() {
        return graph(false);
    }

    /** Full fine-tuning needs lookups with a correct gradient (SameDiff's gather gradient is wrong for repeated ids). */
    static EncoderGraph graph(boolean trainableEmbeddings) {
        return EncoderGraph.build(model.config(), model.weights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.MEAN, false), trainableEmbeddings, 0, 0, 7));
    }

    static Map<String, INDArray> inputs() {
        Map<String, INDArray> in = new HashMap<>(batch.placeholders(model.config(), 1f));
        float[][] y = new float[LABELS.length][2];
        for (int i = 0; i < LABELS.length; i++) y[i][LABELS[i]] = 1f;
        in.put("labels", Nd4j.createFromArray(y));
        return in;
    }

    static float[] hidden(EncoderGraph g) {
        return g.sameDiff().output(inputs(), "last_hidden_state").get("last_hidden_state").dup('c').data().asFloat();
    }

    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static float[] baseline;

    static float[] baseline() {
        if (baseline == null) baseline = hidden(graph());
        return baseline;
    }

    @ParameterizedTest
    @ValueSource(strings = {"houlsby:r=8", "pfeiffer:r=8", "lora:r=4,s=2", "lora:r=4,targets=ffn", "pa:r=8", "pa:r=8,site=attn",
            "spa:r=8,s=4", "spa:r=8,s=learned", "mhpa:l=4", "bitfit", "head"})
    void methodsWhoseUpProjectionStartsAtZeroLeaveTheModelUnchanged(String spec) {
        EncoderGraph g = graph();
        Rewriter.apply(g, Methods.parse(spec), 1);
        assertTrue(maxDiff(baseline(), hidden(g)) <= 1e-6, spec + ": " + maxDiff(baseline(), hidden(g)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mid=0", "mid=24"})
    void prefixConcatFormEqualsGatedForm(String mid) {
        EncoderGraph concat = graph();
        AppliedMethod a = Rewriter.apply(concat, Methods.parse("prefix:l=5,form=concat," + mid), 3);
        Map<String, INDArray> values = new HashMap<>();
        a.added().values().stream().filter(p -> !p.derived()).forEach(p -> values.put(p.graphName(), concat.sameDiff().getArrForVarName(p.graphName()).dup()));
        EncoderGraph gated = graph();
        Rewriter.apply(gated, Methods.parse("prefix:l=5,form=gated," + mid), 99, values);
        float[] hc = hidden(concat), hg = hidden(gated);
        assertTrue(maxDiff(baseline(), hc) > 1e-2, "the prefix changes the output");
        assertTrue(maxDiff(hc, hg) <= 1e-4, "concat vs gated: " + maxDiff(hc, hg));
    }

    @Test
    void frozenProjectionsCostNoWeightGradient() {
        assertTrue(org.petl.core.site.SplitGradientMmul.AVAILABLE, "ND4J accepted the split-backward matmul");
        EncoderGraph g = graph();
        AppliedMethod a = Rewriter.apply(g, Methods.parse("lora:r=4,s=2"), 1);
        Map<String, Integer> ran = new java.util.TreeMap<>();
        g.sameDiff().setListeners(new org.nd4j.autodiff.listeners.BaseListener() {
            @Override
            public boolean isActive(org.nd4j.autodiff.listeners.Operation op) {
                return true;
            }

            @Override
            public void opExecution(org.nd4j.autodiff.samediff.SameDiff sd, org.nd4j.autodiff.listeners.At at,
                                    org.nd4j.linalg.dataset.api.MultiDataSet batch, org.nd4j.autodiff.samediff.internal.SameDiffOp op,
                                    org.nd4j.linalg.api.ops.OpContext ctx, INDArray[] outputs) {
                ran.merge(op.getOp().opName(), 1, Integer::sum);
            }
        });
        g.sameDiff().calculateGradientsAndOutputs(inputs(), List.of("loss"), a.trainable());
        g.sameDiff().setListeners();
        // forward: 6 projections per layer, 2 LoRA matmuls per target (q, v), the head, and 2 outer products per
        // LayerNorm (13: embeddings + 2 per layer; Ops.layerNorm's explicit broadcasts)
        assertEquals(6 * 6 + 6 * 2 * 2 + 1 + 13 * 2, ran.get(org.petl.core.site.SplitGradientMmul.OP_NAME), ran.toString());
        // the fused backward (both gradients) runs only for the 12 attention products and mean pooling's masked sum
        // [B, 1, T]·[B, T, d], never for a frozen weight
        assertEquals(6 * 2 + 1, ran.get("matmul_bp"), ran.toString());
        // add_bp only for LoRA's 12 compositions h + Δh and the head's trained bias: none for a frozen bias, a residual
        // or the attention mask (SplitGradientAdd)
        assertEquals(6 * 2 + 1, ran.get("add_bp"), ran.toString());
    }

    @Test
    void prefixFromTokensStartsAtTheModelsOwnKeysAndValues() {
        EncoderGraph g = graph();
        PetlMethod m = Methods.parse("mam:l=5,r=8,s=2,mid=0,init=tokens");
        int[][] mask = batch.attentionMask();
        List<Integer> real = new ArrayList<>();
        for (int b = 0; b < mask.length; b++) for (int t = 0; t < mask[b].length; t++) if (mask[b][t] != 0) real.add(b * mask[b].length + t);
        int[] rows = real.stream().mapToInt(Integer::intValue).toArray();
        Map<String, INDArray> start = PrefixActivations.presets(g, m, inputs(), rows);
        assertEquals(2 * 6, start.size(), "a key and a value table per layer");
        String k3 = g.site(Site.encoder(3, Site.Module.SELF_ATTN, Site.Point.K)).orElseThrow().name();
        INDArray keys3 = g.sameDiff().output(inputs(), k3).get(k3);
        INDArray preset = start.get("mam_prefix.encoder.layer.3.self_attn.heads.key");
        assertArrayEquals(new long[]{5, 384}, preset.shape());
        for (int j = 0; j < 5; j++) assertEquals(keys3.getRow(rows[j]), preset.getRow(j), "layer 3 key of real token " + j);

        AppliedMethod a = Rewriter.apply(g, m, 3, start);
        assertEquals(preset, g.sameDiff().getArrForVarName("mam_prefix.encoder.layer.3.self_attn.heads.key"));
        assertTrue(a.trainable().contains("mam_prefix.encoder.layer.3.self_attn.heads.value"));
        var og = g.sameDiff().calculateGradientsAndOutputs(inputs(), List.of("loss"), a.trainable());
        assertTrue(og.getGradients().get("mam_prefix.encoder.layer.3.self_attn.heads.key").norm2Number().doubleValue() > 0);

        // without the real tokens' activations, or with too few tokens, or with the MLP: one line each
        assertTrue(assertThrows(MethodSpecException.class, () -> Rewriter.apply(graph(), m, 3)).getMessage().contains("init=tokens"));
        assertTrue(assertThrows(MethodSpecException.class, () -> PrefixActivations.presets(graph(), m, inputs(), new int[]{0, 1}))
                .getMessage().contains("needs 5 real tokens"));
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("prefix:mid=16,init=tokens")).getMessage().contains("mid=0"));
        assertTrue(assertThrows(MethodSpecException.class, () -> Methods.parse("prefix:mid=0,init=words")).getMessage().contains("random or tokens"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"houlsby:r=8", "pfeiffer:r=8", "prefix:l=4,mid=16", "prefix:l=4,mid=0,form=gated", "prompt:l=4", "lora:r=4,s=2",
            "bitfit", "pa:r=8", "mhpa:l=4", "spa:r=8,s=learned", "mam:l=4,r=8,s=2,mid=16", "full"})
    void gradientsReachOnlyTheTrainablesAndStepsLowerTheLoss(String spec) {
        boolean full = spec.equals("full");
        EncoderGraph g = graph(full);
        AppliedMethod a = Rewriter.apply(g, Methods.parse(spec), 5);
        Set<String> trainable = new HashSet<>(a.trainable());
        Set<String> variables = new HashSet<>();
        g.sameDiff().variables().forEach(v -> {
            if (v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE) variables.add(v.name());
        });
        assertEquals(trainable, variables, "only the trainables stay variables; the base is frozen into constants");
        double first = 0, last = 0;
        for (int step = 0; step < 4; step++) {
            var og = g.sameDiff().calculateGradientsAndOutputs(inputs(), List.of("loss"), a.trainable());
            double loss = og.getOutputs().get("loss").getDouble(0);
            if (step == 0) first = loss;
            last = loss;
            assertEquals(trainable, og.getGradients().keySet(), spec + ": gradients exactly for the trainables");
            for (String n : a.trainable()) g.sameDiff().getArrForVarName(n).subi(og.getGradients().get(n).mul(spec.equals("full") ? 1e-3 : 5e-2));
        }
        assertTrue(last < first, spec + ": loss " + first + " -> " + last);
        if (!spec.equals("full") && !spec.equals("head") && !spec.equals("bitfit")) {
            assertTrue(a.added().size() > 0, spec + " added parameters");
        }
    }

    @Test
    void fullFineTuningTrainsTheWordTableOnExactlyTheRowsOfTheBatch() {
        EncoderGraph g = graph(true);
        AppliedMethod a = Rewriter.apply(g, Methods.parse("full"), 5);
        String word = "embeddings.word_embeddings.weight";
        assertTrue(a.trainable().contains(word), "full trains the word table");
        INDArray grad = g.sameDiff().calculateGradients(inputs(), List.of(word)).get(word);
        INDArray ids = inputs().get("input_ids"), mask = inputs().get("attention_mask");
        Set<Integer> seen = new HashSet<>(); // padding is masked out of every key and of the pooling: no gradient
        for (int b = 0; b < ids.rows(); b++) for (int t = 0; t < ids.columns(); t++) if (mask.getDouble(b, t) > 0) seen.add(ids.getInt(b, t));
        INDArray rowNorms = grad.norm2(1);
        for (int row = 0; row < rowNorms.length(); row++) {
            boolean nonZero = rowNorms.getDouble(row) > 0;
            assertEquals(seen.contains(row), nonZero, "row " + row + " of the word table: gradient iff a real token of the batch uses it");
        }
    }

    @Test
    void savedAdapterReloadsOntoAFreshModelWithIdenticalOutputs(@TempDir Path dir) {
        for (String spec : List.of("lora:r=4,s=2", "mam:l=4,r=8,s=2,mid=16", "bitfit")) {
            EncoderGraph g = graph();
            AppliedMethod a = Rewriter.apply(g, Methods.parse(spec), 11);
            // move every trainable off its initial value so the round trip is a real test
            for (String n : a.trainable()) g.sameDiff().getArrForVarName(n).addi(Nd4j.rand(g.sameDiff().getArrForVarName(n).shape()).subi(0.5).muli(0.1));
            float[] before = hidden(g);
            Path out = dir.resolve(spec.replaceAll("[^a-z0-9]", "_"));
            AdapterFiles.save(a, out, "minilm-l6");

            EncoderGraph fresh = graph();
            AdapterFiles.Loaded loaded = AdapterFiles.load(out, fresh);
            AppliedMethod b = Rewriter.apply(fresh, loaded.method(), 12345, loaded.added());
            AdapterFiles.assignBase(fresh, loaded.base(), out);
            assertTrue(maxDiff(before, hidden(fresh)) <= 1e-6, spec + " reloaded: " + maxDiff(before, hidden(fresh)));
            if (spec.startsWith("mam")) assertTrue(b.trainableCount() < a.trainableCount(), "the prefix MLP is collapsed on save");
        }
        Map<String, HostTensor> lora = Safetensors.read(dir.resolve("lora_r_4_s_2").resolve(AdapterFiles.WEIGHTS));
        assertArrayEquals(new long[]{4, 384}, lora.get("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight").shape());
        assertArrayEquals(new long[]{384, 4}, lora.get("base_model.model.encoder.layer.5.attention.self.value.lora_B.weight").shape());
    }

    @Test
    void loraMergesIntoTheBaseAndUnmerges() {
        EncoderGraph g = graph();
        AppliedMethod a = Rewriter.apply(g, Methods.parse("lora:r=4,s=2,targets=q,v,o"), 2);
        // a trained-size update: |ΔW| a few percent of |W|
        for (String n : a.trainable()) g.sameDiff().getArrForVarName(n).addi(Nd4j.rand(g.sameDiff().getArrForVarName(n).shape()).subi(0.5).muli(0.05));
        float[] withLora = hidden(g);
        Map<String, INDArray> merged = LoraMerge.merge(a);
        EncoderGraph plain = graph();
        merged.forEach((n, v) -> plain.sameDiff().getArrForVarName(n).assign(v));
        for (String n : a.graph().headParameters()) plain.sameDiff().getArrForVarName(n).assign(g.sameDiff().getArrForVarName(n));
        assertTrue(maxDiff(withLora, hidden(plain)) <= 1e-5, "merged: " + maxDiff(withLora, hidden(plain)));
        Map<String, INDArray> back = LoraMerge.unmerge(merged, a);
        back.forEach((n, v) -> assertTrue(v.sub(g.sameDiff().getArrForVarName(n)).amaxNumber().doubleValue() <= 1e-6, n));
    }

    @Test
    void badMethodsFailInOneLineAndLeaveTheGraphUntouched() {
        EncoderGraph g = graph();
        int ops = g.sameDiff().getOps().size();
        String noCross = assertThrows(MethodSpecException.class, () -> Rewriter.apply(g, Methods.parse(
                "prompt:l=2+lora:r=2,layers=7"), 0)).getMessage();
        assertTrue(noCross.contains("layer 7 does not exist"), noCross);
        assertTrue(assertThrows(MethodSpecException.class, () -> Rewriter.apply(g, Methods.parse("prefix:l=600"), 0)).getMessage().contains("positions"));
        assertEquals(ops, g.sameDiff().getOps().size(), "nothing half-applied");
        assertTrue(maxDiff(baseline(), hidden(g)) <= 1e-6);
    }

    @Test
    void adapterForAnotherBaseModelIsRejected(@TempDir Path dir) {
        EncoderGraph tiny = EncoderGraph.build(GoldenReference.tinyRobertaConfig(), GoldenReference.tinyRobertaWeights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(2, EncoderGraph.Pooling.CLS, true), false, 0, 0, 0));
        AdapterFiles.save(Rewriter.apply(tiny, Methods.parse("lora:r=2"), 0), dir, "tiny-roberta");
        String msg = assertThrows(WeightFileException.class, () -> AdapterFiles.load(dir, graph())).getMessage();
        assertTrue(msg.contains("tiny-roberta") && !msg.contains("\n"), msg);
    }
}
