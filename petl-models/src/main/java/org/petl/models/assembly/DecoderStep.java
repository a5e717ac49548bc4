package org.petl.models.assembly;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.arch.ModelDescription;
import org.petl.core.method.MethodSpecException;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;
import org.petl.core.tensor.HostTensor;
import org.petl.models.graph.Attention;
import org.petl.models.graph.Embeddings;
import org.petl.models.graph.Masks;
import org.petl.models.graph.ModelGraph;
import org.petl.models.graph.Stacks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Incremental decoding for generation: one SameDiff graph with two entry points that share every parameter (and
 * every site, so a method applied here has the same parameter names as on {@link Seq2SeqLm}).
 *
 * <p><b>Once per source</b> ({@link #encode}): placeholders {@code input_ids}, {@code position_ids},
 * {@code attention_mask}; outputs {@code encoder_last_hidden_state} and, per decoder layer i, the cross-attention
 * keys/values {@code cross_keys.i}, {@code cross_values.i} [B, S, d] (computed once from the encoder output).
 *
 * <p><b>Per step</b> ({@link #step}): placeholders {@code decoder_input_ids}, {@code decoder_position_ids} (INT
 * [B, t], the new tokens), {@code decoder_attention_mask} (FLOAT [B, P + t], past and new tokens),
 * {@code attention_mask} (the source mask, for the cross-attention), {@code past_keys.i}/{@code past_values.i}
 * [B, P, d] (P may be 0) and {@code step_cross_keys.i}/{@code step_cross_values.i} (what {@link #encode} returned);
 * outputs {@code lm_logits} [B, t, V] and the next cache {@code present_keys.i}/{@code present_values.i}
 * [B, P + t, d]. The cache never holds prefix slots: prefix tuning prepends them to the keys attended over at
 * every step.
 */
public final class DecoderStep {

    private final ModelGraph graph;

    private DecoderStep(ModelGraph graph) {
        this.graph = graph;
    }

    public ModelGraph graph() {
        return graph;
    }

    public static DecoderStep build(ModelDescription desc, Map<String, HostTensor> weights) {
        if (!desc.encoderDecoder()) throw new MethodSpecException("model '" + desc.name() + "' (" + desc.family() + ") has no decoder; a decoder step needs BART or mBART");
        ModelGraph g = new ModelGraph(desc, weights, ModelGraph.Options.inference());
        SameDiff sd = g.sameDiff();
        Seq2SeqLm.Encoded enc = Seq2SeqLm.encode(g);
        int d = desc.hidden();
        List<Attention.Given> cross = new ArrayList<>();
        for (int i = 0; i < desc.decoderLayers(); i++) {
            Site module = new Site(Stack.DECODER, i, Module.CROSS_ATTN, Point.INPUT);
            SDVariable[] kv = Attention.projectContext(g, module, enc.hidden());
            g.unflatten("cross_keys." + i, kv[0], Stack.ENCODER);
            g.unflatten("cross_values." + i, kv[1], Stack.ENCODER);
            cross.add(new Attention.Given(sd.placeHolder("step_cross_keys." + i, DataType.FLOAT, -1, -1, d),
                    sd.placeHolder("step_cross_values." + i, DataType.FLOAT, -1, -1, d)));
        }
        SDVariable dec = sd.placeHolder("decoder_input_ids", DataType.INT, -1, -1);
        SDVariable decPos = sd.placeHolder("decoder_position_ids", DataType.INT, -1, -1);
        SDVariable decMask = sd.placeHolder("decoder_attention_mask", DataType.FLOAT, -1, -1);
        g.dimensions(Stack.DECODER, dec);
        List<Attention.WithPast> past = new ArrayList<>();
        for (int i = 0; i < desc.decoderLayers(); i++) {
            past.add(new Attention.WithPast(sd.placeHolder("past_keys." + i, DataType.FLOAT, -1, -1, d),
                    sd.placeHolder("past_values." + i, DataType.FLOAT, -1, -1, d)));
        }
        SDVariable h = Embeddings.build(g, Stack.DECODER, dec, decPos, null, decMask, false);
        SDVariable selfMask = Masks.causal(sd, "decoder.self_mask", dec, g.site(Site.embeddings(Stack.DECODER, Point.MASK)).orElseThrow(), Masks.negative(desc));
        Stacks.DecoderResult out = Stacks.decoder(g, h, selfMask, enc.hidden(), enc.crossMask(), past, cross);
        for (int i = 0; i < desc.decoderLayers(); i++) {
            sd.identity("present_keys." + i, out.presentKeys().get(i));
            sd.identity("present_values." + i, out.presentValues().get(i));
        }
        g.unflatten("decoder_last_hidden_state", out.hidden(), Stack.DECODER);
        SDVariable logits = Seq2SeqLm.lmHead(g, out.hidden());
        sd.reshape(Seq2SeqLm.LOGITS, logits, sd.concat(0, g.batchSize(Stack.DECODER), sd.constant(Nd4j.createFromArray(-1L, desc.vocab()))));
        return new DecoderStep(g);
    }

    /** The encoder side of one batch of sources; feed {@link Encoded} to every {@link #step}. */
    public record Encoded(INDArray sourceMask, INDArray hidden, List<INDArray> crossKeys, List<INDArray> crossValues) {
    }

    /** The decoder state between steps: the self-attention cache per layer [B, P, d] and the decoder mask so far. */
    public record Cache(List<INDArray> keys, List<INDArray> values, INDArray mask) {
        public int length() {
            return (int) mask.size(1);
        }
    }

    public record StepOutput(INDArray logits, Cache cache) {
    }

    public Encoded encode(int[][] inputIds, int[][] attentionMask) {
        ModelDescription desc = graph.description();
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("input_ids", Nd4j.createFromArray(inputIds).castTo(DataType.INT));
        ph.put("position_ids", Nd4j.createFromArray(Seq2SeqBatch.positions(desc, inputIds.length, inputIds[0].length, 0)).castTo(DataType.INT));
        INDArray mask = Nd4j.createFromArray(attentionMask).castTo(DataType.FLOAT);
        ph.put("attention_mask", mask);
        ph.put("dropout_keep", Nd4j.scalar(1f));
        List<String> outs = new ArrayList<>(List.of("encoder_last_hidden_state"));
        for (int i = 0; i < desc.decoderLayers(); i++) {
            outs.add("cross_keys." + i);
            outs.add("cross_values." + i);
        }
        Map<String, INDArray> r = graph.sameDiff().output(ph, outs.toArray(String[]::new));
        List<INDArray> k = new ArrayList<>(), v = new ArrayList<>();
        for (int i = 0; i < desc.decoderLayers(); i++) {
            k.add(r.get("cross_keys." + i));
            v.add(r.get("cross_values." + i));
        }
        return new Encoded(mask, r.get("encoder_last_hidden_state"), k, v);
    }

    /** An empty cache for {@code batch} rows (P = 0). */
    public Cache start(int batch) {
        List<INDArray> k = new ArrayList<>(), v = new ArrayList<>();
        for (int i = 0; i < graph.description().decoderLayers(); i++) {
            k.add(Nd4j.create(DataType.FLOAT, batch, 0, graph.hidden()));
            v.add(Nd4j.create(DataType.FLOAT, batch, 0, graph.hidden()));
        }
        return new Cache(k, v, Nd4j.create(DataType.FLOAT, batch, 0));
    }

    /**
     * Runs the decoder on new tokens [B, t] after the cache.
     *
     * @param tokenMask 0/1 [B, t] for the new tokens (1 unless a row is padding)
     */
    public StepOutput step(Encoded enc, Cache cache, int[][] tokens, int[][] tokenMask) {
        ModelDescription desc = graph.description();
        int b = tokens.length, t = tokens[0].length, p = cache.length();
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("attention_mask", enc.sourceMask());
        ph.put("decoder_input_ids", Nd4j.createFromArray(tokens).castTo(DataType.INT));
        ph.put("decoder_position_ids", Nd4j.createFromArray(Seq2SeqBatch.positions(desc, b, t, p)).castTo(DataType.INT));
        INDArray mask = Nd4j.concat(1, cache.mask(), Nd4j.createFromArray(tokenMask).castTo(DataType.FLOAT));
        ph.put("decoder_attention_mask", mask);
        ph.put("dropout_keep", Nd4j.scalar(1f));
        List<String> outs = new ArrayList<>(List.of(Seq2SeqLm.LOGITS));
        for (int i = 0; i < desc.decoderLayers(); i++) {
            ph.put("past_keys." + i, cache.keys().get(i));
            ph.put("past_values." + i, cache.values().get(i));
            ph.put("step_cross_keys." + i, enc.crossKeys().get(i));
            ph.put("step_cross_values." + i, enc.crossValues().get(i));
            outs.add("present_keys." + i);
            outs.add("present_values." + i);
        }
        Map<String, INDArray> r = graph.sameDiff().output(ph, outs.toArray(String[]::new));
        List<INDArray> k = new ArrayList<>(), v = new ArrayList<>();
        for (int i = 0; i < desc.decoderLayers(); i++) {
            k.add(r.get("present_keys." + i));
            v.add(r.get("present_values." + i));
        }
        return new StepOutput(r.get(Seq2SeqLm.LOGITS), new Cache(k, v, mask));
    }
}
