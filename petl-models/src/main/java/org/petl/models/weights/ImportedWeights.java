package org.petl.models.weights;

import org.petl.core.tensor.HostTensor;

import java.util.Map;

/**
 * What an importer found: encoder tensors under canonical BertModel names (no {@code bert.}/{@code roberta.}
 * prefix, Linear weights [out, in]), and every other tensor (task heads such as {@code classifier.*},
 * pre-training heads) under its name in the source, kept apart rather than dropped.
 */
public record ImportedWeights(Map<String, HostTensor> encoder, Map<String, HostTensor> head) {
}
