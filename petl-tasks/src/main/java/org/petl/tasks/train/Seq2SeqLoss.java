package org.petl.tasks.train;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.petl.core.site.Ops;

/**
 * The seq2seq LM loss built inside the graph: token-level cross entropy with label smoothing over the labelled
 * tokens, as PyTorch's {@code CrossEntropyLoss(label_smoothing=ε, ignore_index=-100)} and the paper's
 * {@code label_smoothed_nll_loss} compute it: per token {@code (1−ε)·(−log p_y) + ε·mean_k(−log p_k)}, averaged over
 * the tokens whose label is not {@value #IGNORE}. The one-hot rows exist only inside the graph (an ignored label's
 * row is all zeros), so no [tokens × vocab] targets are built on the host.
 */
public final class Seq2SeqLoss {

    public static final int IGNORE = org.petl.models.assembly.Seq2SeqBatch.IGNORE;

    private Seq2SeqLoss() {
    }

    /** The loss variable's name for a smoothing ε (one graph can hold several). */
    public static String name(double epsilon) {
        return epsilon == 0 ? "seq2seq_loss" : "seq2seq_loss_ls" + epsilon;
    }

    /**
     * Adds (once) the label-smoothed loss over {@code logits} [B, T, V] (or [N, V]) and the INT placeholder
     * {@code labels} [B, T], and makes it the graph's only loss variable.
     */
    public static SDVariable attach(SameDiff sd, String logits, String labels, int vocab, double epsilon) {
        if (!(epsilon >= 0 && epsilon < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + epsilon);
        String name = name(epsilon);
        SDVariable loss = sd.hasVariable(name) ? sd.getVariable(name) : build(sd, sd.getVariable(logits), sd.getVariable(labels), vocab, epsilon, name);
        sd.setLossVariables(name);
        return loss;
    }

    private static SDVariable build(SameDiff sd, SDVariable logits, SDVariable labels, int vocab, double epsilon, String name) {
        SDVariable flat = sd.reshape(logits, -1, vocab);
        SDVariable logp = Ops.logSoftmax(sd, flat);                                      // [N, V]
        SDVariable onehot = sd.oneHot(sd.reshape(labels, -1), vocab).castTo(DataType.FLOAT); // [N, V], zero rows for IGNORE
        SDVariable mask = onehot.sum(1);                                                  // [N]: 1 labelled, 0 ignored
        SDVariable count = mask.sum().add(1e-9);
        SDVariable nll = onehot.mul(logp).sum().neg();
        if (epsilon == 0) return nll.div(name, count);
        SDVariable uniform = logp.mean(1).mul(mask).sum().neg();
        return nll.mul(1 - epsilon).add(uniform.mul(epsilon)).div(name, count);
    }
}
