package org.petl.tasks;

import org.petl.core.adapter.AdapterFiles;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Methods;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.models.graph.EncoderGraph;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedEncoder;
import org.petl.tasks.data.TaskData;
import org.petl.tasks.data.Tasks;
import org.petl.tasks.train.TokenizerBatcher;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Everything a run needs, assembled in the order that fails fastest on bad input: method spec, data, model,
 * graph, rewrite.
 *
 * @param model    short name (minilm-l6, bge-small, bert-base-uncased, ...) or a local Hugging Face folder
 * @param pooling  "cls", "mean" or "auto" (mean for the sentence-transformers MiniLM, CLS otherwise)
 */
public record RunSetup(String model, String task, Path data, String methodSpec, int maxLength, double dropout, String pooling, long seed) {

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
        if (pretrained.tokenizer() == null) throw new IllegalArgumentException(model + ": has no tokenizer.json; petl needs one to train");
        String pool = pooling.toLowerCase(Locale.ROOT);
        if (pool.equals("auto")) pool = pretrained.name().startsWith("minilm") ? "mean" : "cls";
        EncoderGraph.Pooling p = switch (pool) {
            case "cls" -> EncoderGraph.Pooling.CLS;
            case "mean" -> EncoderGraph.Pooling.MEAN;
            default -> throw new IllegalArgumentException("pooling must be cls, mean or auto, got '" + pooling + "'");
        };
        EncoderGraph graph = EncoderGraph.build(pretrained.config(), pretrained.weights(),
                new EncoderGraph.Options(new EncoderGraph.HeadConfig(taskData.numLabels(), p, false), method.fullFineTuning(), dropout, dropout, seed));
        AppliedMethod applied;
        if (adapterDir == null) {
            applied = Rewriter.apply(graph, method, seed);
        } else {
            AdapterFiles.Loaded loaded = AdapterFiles.load(adapterDir, graph);
            method = loaded.method();
            applied = Rewriter.apply(graph, method, seed, loaded.added());
            AdapterFiles.assignBase(graph, loaded.base(), adapterDir);
        }
        return new Prepared(pretrained, graph, applied, taskData, new TokenizerBatcher(pretrained.tokenizer(), maxLength), method);
    }
}
