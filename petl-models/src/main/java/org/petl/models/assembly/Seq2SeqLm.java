package org.petl.models.assembly;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.petl.core.arch.ModelDescription;
import org.petl.core.method.MethodSpecException;
import org.petl.core.site.Site.Stack;
import org.petl.core.tensor.HostTensor;
import org.petl.models.graph.Embeddings;
import org.petl.models.graph.Masks;
import org.petl.models.graph.ModelGraph;
import org.petl.models.graph.Stacks;

import java.util.Map;

/**
 * An encoder-decoder LM under teacher forcing (training and scoring): encoder, decoder with causal self-attention
 * and cross-attention, the LM head tied to the word table plus {@code final_logits_bias}, and the token-level
 * cross-entropy.
 *
 * <p>Placeholders: {@code input_ids}, {@code position_ids} (INT [B, S]), {@code attention_mask} (FLOAT [B, S]),
 * {@code decoder_input_ids}, {@code decoder_position_ids} (INT [B, T]), {@code decoder_attention_mask} (FLOAT
 * [B, T]), {@code labels} (INT [B, T], −100 = ignored), {@code dropout_keep}; {@link Seq2SeqBatch} builds them.
 * Outputs: {@code encoder_last_hidden_state} [B, S, d], {@code decoder_last_hidden_state} [B, T, d],
 * {@code lm_logits} [B, T, V], {@code loss} (mean over the labelled tokens).
 */
public final class Seq2SeqLm {

    public static final String LOGITS = "lm_logits", LOSS = "loss";

    private final ModelGraph graph;

    private Seq2SeqLm(ModelGraph graph) {
        this.graph = graph;
    }

    public ModelGraph graph() {
        return graph;
    }

    public static Seq2SeqLm build(ModelDescription desc, Map<String, HostTensor> weights, ModelGraph.Options opts) {
        if (!desc.encoderDecoder()) throw new MethodSpecException("model '" + desc.name() + "' (" + desc.family() + ") has no decoder; a seq2seq LM needs BART or mBART");
        ModelGraph g = new ModelGraph(desc, weights, opts);
        SameDiff sd = g.sameDiff();
        Encoded enc = encode(g);
        SDVariable dec = sd.placeHolder("decoder_input_ids", DataType.INT, -1, -1);
        SDVariable decPos = sd.placeHolder("decoder_position_ids", DataType.INT, -1, -1);
        SDVariable decMask = sd.placeHolder("decoder_attention_mask", DataType.FLOAT, -1, -1);
        g.dimensions(Stack.DECODER, dec);
        SDVariable h = Embeddings.build(g, Stack.DECODER, dec, decPos, null, decMask, g.options().trainableEmbeddings());
        SDVariable selfMask = Masks.causal(sd, "decoder.self_mask", dec, g.site(org.petl.core.site.Site.embeddings(Stack.DECODER,
                org.petl.core.site.Site.Point.MASK)).orElseThrow(), Masks.negative(desc));
        Stacks.DecoderResult out = Stacks.decoder(g, h, selfMask, enc.hidden(), enc.crossMask(), null, null);
        SDVariable logits = lmHead(g, out.hidden());
        g.unflatten("decoder_last_hidden_state", out.hidden(), Stack.DECODER);
        sd.reshape(LOGITS, logits, sd.concat(0, g.batchSize(Stack.DECODER), sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(-1L, desc.vocab()))));
        SDVariable labels = sd.placeHolder("labels", DataType.INT, -1, -1);
        // cross-entropy over labelled tokens; one-hot of −100 is a zero row, so ignored tokens add nothing
        SDVariable target = sd.oneHot(sd.reshape(labels, -1), desc.vocab()).castTo(DataType.FLOAT);
        SDVariable logp = org.petl.core.site.Ops.logSoftmax(sd, logits);
        SDVariable loss = target.mul(logp).sum().neg().div(target.sum().add(1e-9)).rename(LOSS);
        sd.setLossVariables(loss);
        return new Seq2SeqLm(g);
    }

    /** The encoder side shared with {@link DecoderStep}: its output [N, d] and the cross-attention mask. */
    record Encoded(SDVariable hidden, SDVariable crossMask) {
    }

    static Encoded encode(ModelGraph g) {
        SameDiff sd = g.sameDiff();
        ModelDescription desc = g.description();
        SDVariable ids = sd.placeHolder("input_ids", DataType.INT, -1, -1);
        SDVariable pos = sd.placeHolder("position_ids", DataType.INT, -1, -1);
        SDVariable mask = sd.placeHolder("attention_mask", DataType.FLOAT, -1, -1);
        g.dimensions(Stack.ENCODER, ids);
        SDVariable h = Embeddings.build(g, Stack.ENCODER, ids, pos, null, mask, g.options().trainableEmbeddings());
        // the mask site (prompt tuning extends it) feeds the encoder's and the cross-attention's padding masks
        SDVariable maskSite = g.site(org.petl.core.site.Site.embeddings(Stack.ENCODER, org.petl.core.site.Site.Point.MASK)).orElseThrow();
        double neg = Masks.negative(desc);
        SDVariable enc = Stacks.encoder(g, h, Masks.padding(sd, "encoder.key_mask", maskSite, neg));
        g.unflatten("encoder_last_hidden_state", enc, Stack.ENCODER);
        return new Encoded(enc, Masks.padding(sd, "decoder.cross_mask", maskSite, neg));
    }

    /** logits [N, V] = h · shared^T + final_logits_bias (tied LM head). */
    static SDVariable lmHead(ModelGraph g, SDVariable h) {
        ModelDescription desc = g.description();
        SameDiff sd = g.sameDiff();
        SDVariable table = g.param(g.names().wordEmbeddings(Stack.DECODER) + ".weight", desc.vocab(), desc.hidden());
        SDVariable logits = sd.mmul(h, table, false, true, false);
        if (desc.finalLogitsBias()) logits = logits.add(g.buffer("final_logits_bias", 1, desc.vocab()));
        return logits;
    }
}
