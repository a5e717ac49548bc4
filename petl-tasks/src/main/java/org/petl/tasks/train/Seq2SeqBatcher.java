package org.petl.tasks.train;

import java.util.List;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.tasks.data.Seq2SeqExample;

/**
 * Tokenizes seq2seq pairs into a teacher-forced batch of a seq2seq graph: its input placeholders (source ids and
 * mask, decoder inputs = labels shifted right behind the decoder start token, positions, {@code dropout_keep}) and
 * {@code labels} [B, T] with padding as {@link Seq2SeqLoss#IGNORE}. The model's tokenizer plugs in here.
 */
public interface Seq2SeqBatcher {

    Map<String, INDArray> encode(List<Seq2SeqExample> examples, float keepProbability);

    /** Tokens of one pair after truncation: {source, target}; token budgets and throughput count these. */
    int[] tokens(Seq2SeqExample example);
}
