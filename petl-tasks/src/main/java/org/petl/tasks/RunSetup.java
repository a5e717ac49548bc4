package org.petl.tasks;

import org.petl.core.adapter.AdapterFiles;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.PrefixActivations;
import org.petl.core.method.Rewriter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.models.graph.EncoderBatch;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.tasks.data.Example;
import org.petl.tasks.data.TaskData;
import org.petl.tasks.data.Tasks;
import org.petl.tasks.train.TokenizerBatcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a run needs, assembled in the order that fails fastest on bad input: method spec, data, model,
 * graph, rewrite.
 *
 * @param model    short name (minilm-l6, bge-small, bert-base-uncased, ...) or a local Hugging Face folder
 * @param pooling  "cls", "mean" or "auto" (mean for the sentence-transformers MiniLM, CLS otherwise); petl's head only
 * @param head     "petl" (pooling → out_proj, the default) or "hf" (exactly transformers' *ForSequenceClassification
 *                 head: BERT CLS → pooler → classifier, RoBERTa CLS → classifier.dense → classifier.out_proj)
 * @param dropout  hidden dropout (embeddings, sub-layer outputs, head)
 * @param attentionDropout dropout on attention probabilities
 */
public record RunSetup(String model, String task, Path data, String methodSpec, int maxLength, double dropout, String pooling, long seed,
                       String head, double attentionDropout) {

    public RunSetup {
        if (head == null || head.isBlank()) head = "petl";
    }

    /** Attention dropout equal to {@code dropout}. */
    public RunSetup(String model, String task, Path data, String methodSpec, int maxLength, double dropout, String pooling, long seed, String head) {
        this(model, task, data, methodSpec, maxLength, dropout, pooling, seed, head, dropout);
    }

    public RunSetup(String model, String task, Path data, String methodSpec, int maxLength, double dropout, String pooling, long seed) {
        this(model, task, data, methodSpec, maxLength, dropout, pooling, seed, "petl");
    }

    /** A prepared run: graph with the method applied, data and batcher. */
    public record Prepared(PretrainedEncoder model, EncoderGraph graph, AppliedMethod applied, TaskData data, TokenizerBatcher batcher,
                           PetlMethod method) {
    }

    public Prepared prepare() {
        return prepare(null);
    }

    /**
     * @param adapterDir a saved adapter (adapter_config.json + adapter_model.safetensors) to load instead of
     *                   initialising the method; null to start fresh
     */
    public Prepared prepare(Path adapterDir) {
        PetlMethod method = Methods.parse(methodSpec);
        TaskData taskData = Tasks.load(task, data);
        PretrainedEncoder pretrained = ModelStore.resolve(model);
        Built b = build(pretrained, method, taskData.numLabels(), adapterDir, taskData);
        return new Prepared(pretrained, b.graph(), b.applied(), taskData, b.batcher(), b.applied().method());
    }

    /** A graph with its method applied (or loaded), without task data: what predict, merge and export need. */
    public record Built(PretrainedEncoder model, EncoderGraph graph, AppliedMethod applied, TokenizerBatcher batcher) {
    }

    /**
     * Builds the model with {@code numLabels} outputs and loads {@code adapterDir} (a petl or PEFT adapter
     * folder) onto it; no data is read.
     */
    public Built buildForInference(Path adapterDir, int numLabels) {
        PretrainedEncoder pretrained = ModelStore.resolve(model);
        return build(pretrained, Methods.parse(methodSpec), numLabels, adapterDir, null);
    }

    private Built build(PretrainedEncoder pretrained, PetlMethod method, int numLabels, Path adapterDir, TaskData taskData) {
        if (pretrained.tokenizer() == null) throw new IllegalArgumentException(model + ": has no tokenizer.json; petl needs one to train");
        String pool = pooling.toLowerCase(Locale.ROOT);
        if (pool.equals("auto")) pool = pretrained.name().startsWith("minilm") ? "mean" : "cls";
        EncoderGraph.Pooling p = switch (pool) {
            case "cls" -> EncoderGraph.Pooling.CLS;
            case "mean" -> EncoderGraph.Pooling.MEAN;
            default -> throw new IllegalArgumentException("pooling must be cls, mean or auto, got '" + pooling + "'");
        };
        Map<String, org.petl.core.tensor.HostTensor> weights = pretrained.weights();
        EncoderGraph.HeadConfig headConfig = switch (head.toLowerCase(Locale.ROOT)) {
            case "petl" -> new EncoderGraph.HeadConfig(numLabels, p, false);
            case "hf" -> {
                // a transformers *ForSequenceClassification folder brings its head (used when the label count fits)
                weights = new java.util.LinkedHashMap<>(weights);
                weights.putAll(pretrained.headWeights());
                yield EncoderGraph.HeadConfig.transformers(numLabels);
            }
            default -> throw new IllegalArgumentException("head must be petl or hf, got '" + head + "'");
        };
        int maxLength = effectiveMaxLength(pretrained);
        EncoderGraph graph = EncoderGraph.build(pretrained.config(), weights,
                new EncoderGraph.Options(headConfig, method.fullFineTuning(), dropout, attentionDropout, seed));
        AppliedMethod applied;
        if (adapterDir == null) {
            Map<String, INDArray> start = PrefixActivations.needed(method) ? prefixStart(graph, method, taskData, pretrained, maxLength) : Map.of();
            applied = Rewriter.apply(graph, method, seed, start);
        } else {
            AdapterFiles.Loaded loaded = AdapterFiles.load(adapterDir, graph);
            applied = Rewriter.apply(graph, loaded.method(), seed, loaded.added());
            if (taskData != null) AdapterFiles.requireComplete(adapterDir, applied, loaded);   // eval: a run's own adapter holds everything
            AdapterFiles.assignBase(graph, loaded.base(), adapterDir);
        }
        return new Built(pretrained, graph, applied, new TokenizerBatcher(pretrained.tokenizer(), shiftedMaxLength(pretrained, applied.method(), maxLength)));
    }

    /** With {@code positions=shifted} the real tokens start at position l, so inputs leave l positions free. */
    static int shiftedMaxLength(PretrainedEncoder pretrained, PetlMethod method, int maxLength) {
        int shift = 0;
        for (org.petl.core.method.Modification m : method.modifications()) {
            if (m instanceof org.petl.core.method.Modification.PositionShift ps && ps.stacks().contains(org.petl.core.site.Site.Stack.ENCODER)) shift += ps.l();
        }
        int room = pretrained.config().maxTokens() - shift;
        if (shift == 0 || maxLength <= room) return maxLength;
        if (TOLD.add(pretrained.name() + "/" + maxLength + "/shift" + shift)) {
            System.err.println("note: positions=shifted numbers tokens from " + shift + ", so inputs are truncated to " + room + " tokens");
        }
        return room;
    }

    private static final java.util.Set<String> TOLD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The max length inputs are truncated to: {@code maxLength}, or the model's position table when that is
     * shorter (said once per model and length on stderr). Longer inputs would index past the position table.
     */
    int effectiveMaxLength(PretrainedEncoder pretrained) {
        int limit = pretrained.config().maxTokens();
        if (maxLength <= limit) return maxLength;
        if (TOLD.add(pretrained.name() + "/" + maxLength)) {
            System.err.println("note: --max-len " + maxLength + " is beyond " + pretrained.name() + "'s " + limit
                    + " positions; inputs are truncated to " + limit + " tokens");
        }
        return limit;
    }

    /** Sentences whose tokens start prefixes with init=tokens: the first training examples (text only, no labels). */
    static final int PREFIX_TEXT_EXAMPLES = 8;

    private static Map<String, INDArray> prefixStart(EncoderGraph graph, PetlMethod method, TaskData data, PretrainedEncoder model, int maxLength) {
        List<Example> first = new ArrayList<>();
        for (int i = 0; i < Math.min(PREFIX_TEXT_EXAMPLES, data.train().size()); i++) first.add(data.train().get(i));
        EncoderBatch batch = new TokenizerBatcher(model.tokenizer(), maxLength).encode(first);
        int[][] mask = batch.attentionMask();
        List<Integer> rows = new ArrayList<>();
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) if (mask[b][t] != 0) rows.add(b * mask[b].length + t);
        }
        return PrefixActivations.presets(graph, method, batch.placeholders(graph.config(), 1f), rows.stream().mapToInt(Integer::intValue).toArray());
    }
}
