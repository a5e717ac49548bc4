package org.petl.tasks.train;

import java.util.List;

import org.petl.models.graph.EncoderBatch;
import org.petl.tasks.data.Example;

/** Turns examples into a padded batch of token ids; the real tokenizer plugs in here. */
@FunctionalInterface
public interface Batcher {
    EncoderBatch encode(List<Example> examples);
}
