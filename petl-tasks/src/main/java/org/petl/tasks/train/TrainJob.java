package org.petl.tasks.train;

import java.util.Map;

import org.petl.core.method.AppliedMethod;
import org.petl.models.graph.EncoderGraph;
import org.petl.tasks.data.TaskData;

/**
 * Everything one run needs. {@code applied} must have been applied to {@code graph}; {@code provenance} (model
 * file hashes, command line, ...) goes into metrics.json as is.
 */
public record TrainJob(EncoderGraph graph, AppliedMethod applied, TaskData data, Batcher batcher, TrainConfig config,
                       Map<String, Object> provenance) {

    public TrainJob {
        if (applied.graph() != graph) throw new IllegalArgumentException("the method was applied to another graph");
        if (graph.options().head() == null) throw new IllegalArgumentException("training needs a graph with a classification head");
        if (graph.options().head().numLabels() != data.numLabels()) {
            throw new IllegalArgumentException("head has " + graph.options().head().numLabels() + " labels, task " + data.task() + " has " + data.numLabels());
        }
        provenance = provenance == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(provenance));
    }
}
