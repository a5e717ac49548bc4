package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.io.WeightFileException;
import org.petl.core.site.EmbeddingGather;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;
import org.petl.core.site.SiteGraph;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * The encoder-with-classification-head assembly for BERT-family encoders (BERT, RoBERTa, MiniLM, bge): a
 * {@link ModelGraph} built from the config's {@link org.petl.core.arch.ModelDescription} with the shared blocks
 * ({@link Embeddings}, {@link Stacks}: post-LN self-attention and FFN), then an optional classification head and
 * loss, which belong to this assembly.
 *
 * <p>Graph variables carry the Hugging Face parameter names (without the {@code bert.}/{@code roberta.} prefix);
 * Linear weights are stored [in, out], the transpose of the PyTorch layout.
 *
 * <p>Placeholders: {@code input_ids}, {@code token_type_ids}, {@code position_ids} (INT [B, T]),
 * {@code attention_mask} (FLOAT [B, T]), {@code dropout_keep} (FLOAT scalar; 1 for inference), and with a head
 * {@code labels} (FLOAT [B, C] target distribution: one-hot, label-smoothed in the trainer). With trainable
 * embeddings every lookup (word, position, type) is an {@link EmbeddingGather}, whose gradient adds up repeated ids.
 * Outputs: {@code last_hidden_state} [B, T, d], {@code logits} [B, C], {@code loss}.
 */
public final class EncoderGraph implements SiteGraph {

    public enum Pooling { CLS, MEAN }

    /**
     * Who defines the head. {@code PETL}: pooled state (CLS or mean) → (dense → tanh →) out_proj, names
     * {@code classifier.*}. {@code TRANSFORMERS}: exactly the head of transformers' {@code *ForSequenceClassification}
     * for the family: BERT CLS → {@code pooler.dense} → tanh → {@code classifier}; RoBERTa CLS →
     * {@code classifier.dense} → tanh → {@code classifier.out_proj} (pooling and hiddenLayer are then ignored).
     */
    public enum HeadStyle { PETL, TRANSFORMERS }

    /** Classification head: pooled state → (dense → tanh →) out_proj, RoBERTa-style names {@code classifier.*}. */
    public record HeadConfig(int numLabels, Pooling pooling, boolean hiddenLayer, HeadStyle style) {
        public HeadConfig {
            if (numLabels < 2) throw new IllegalArgumentException("a classification head needs at least 2 labels, got " + numLabels);
            if (style == null) style = HeadStyle.PETL;
            if (style == HeadStyle.TRANSFORMERS) pooling = Pooling.CLS;
        }

        public HeadConfig(int numLabels, Pooling pooling, boolean hiddenLayer) {
            this(numLabels, pooling, hiddenLayer, HeadStyle.PETL);
        }

        /** transformers' sequence-classification head for the model family. */
        public static HeadConfig transformers(int numLabels) {
            return new HeadConfig(numLabels, Pooling.CLS, false, HeadStyle.TRANSFORMERS);
        }
    }

    /**
     * @param head                 classification head, or null for an encoder only
     * @param trainableEmbeddings  lookups whose gradient is right (full fine-tuning trains every table)
     * @param hiddenDropout        dropout after embeddings and sub-layer outputs (0 = none in the graph)
     * @param attentionDropout     dropout on attention probabilities
     * @param seed                 initialisation of head weights absent from the checkpoint
     */
    public record Options(HeadConfig head, boolean trainableEmbeddings, double hiddenDropout, double attentionDropout, long seed) {
        public static Options inference() {
            return new Options(null, false, 0, 0, 0);
        }
    }

    private final ModelGraph model;
    private final SameDiff sd;
    private final EncoderConfig cfg;
    private final Options opts;
    private final List<String> headParams = new ArrayList<>();

    private EncoderGraph(EncoderConfig cfg, Map<String, HostTensor> weights, Options opts) {
        this.model = new ModelGraph(cfg.description(), weights, new ModelGraph.Options(opts.hiddenDropout(), opts.attentionDropout(), opts.trainableEmbeddings()));
        this.sd = model.sameDiff();
        this.cfg = cfg;
        this.opts = opts;
    }

    public static EncoderGraph build(EncoderConfig cfg, Map<String, HostTensor> weights, Options opts) {
        EncoderGraph g = new EncoderGraph(cfg, weights, opts);
        g.buildGraph(weights);
        return g;
    }

    public EncoderConfig config() {
        return cfg;
    }

    public Options options() {
        return opts;
    }

    // ---------------------------------------------------------------- graph

    private void buildGraph(Map<String, HostTensor> w) {
        SDVariable ids = sd.placeHolder("input_ids", DataType.INT, -1, -1);
        SDVariable types = sd.placeHolder("token_type_ids", DataType.INT, -1, -1);
        SDVariable positions = sd.placeHolder("position_ids", DataType.INT, -1, -1);
        SDVariable mask = sd.placeHolder("attention_mask", DataType.FLOAT, -1, -1);
        model.dimensions(Stack.ENCODER, ids);
        // the same blocks as every family: embeddings, post-LN self-attention + FFN layers (see ModelGraph)
        SDVariable h = Embeddings.build(model, Stack.ENCODER, ids, positions, types, mask, opts.trainableEmbeddings());
        SDVariable maskSite = model.site(Site.embeddings(Stack.ENCODER, Point.MASK)).orElseThrow();
        h = Stacks.encoder(model, h, Masks.padding(sd, "encoder.key_mask", maskSite, Masks.negative(model.description())));
        SDVariable lastHidden = model.unflatten("last_hidden_state", h, Stack.ENCODER);
        if (opts.head() != null) head(lastHidden, maskSite, w);
    }

    private void head(SDVariable lastHidden, SDVariable mask, Map<String, HostTensor> w) {
        HeadConfig hc = opts.head();
        int d = cfg.hidden();
        SDVariable pooled;
        if (hc.pooling() == Pooling.CLS) {
            pooled = lastHidden.get(org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.point(0),
                    org.nd4j.autodiff.samediff.SDIndex.all());
        } else {
            // Σ_t mask[b, t] · h[b, t, :] as one batched product [B, 1, T] · [B, T, d]: the broadcast multiply's
            // multiply_bp took 11-18 ms per MiniLM step (M2.1 reduces broadcast gradients through a tiled copy)
            SDVariable summed = sd.squeeze(sd.mmul(sd.expandDims(mask, 1), lastHidden), 1);
            pooled = summed.div(mask.sum(true, 1));
        }
        pooled = sd.identity("pooled", pooled);
        Random rnd = new Random(opts.seed());
        SDVariable x = pooled;
        if (hc.style() == HeadStyle.TRANSFORMERS) {
            transformersHead(pooled, w, rnd);
            return;
        }
        if (hc.hiddenLayer()) {
            x = maybeDropout("head.dropout0", x, opts.hiddenDropout());
            SDVariable hw = headParam(w, "classifier.dense.weight", rnd, true, d, d);
            SDVariable hb = headParam(w, "classifier.dense.bias", rnd, false, d);
            x = sd.math.tanh(Blocks.linear(sd, "classifier.dense", x, hw, hb));
        }
        x = maybeDropout("head.dropout1", x, opts.hiddenDropout());
        SDVariable ow = headParam(w, "classifier.out_proj.weight", rnd, true, hc.numLabels(), d);
        SDVariable ob = headParam(w, "classifier.out_proj.bias", rnd, false, hc.numLabels());
        SDVariable logits = Blocks.linear(sd, "logits", x, ow, ob);
        SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, hc.numLabels());
        // mean over the batch of -sum(target * log softmax(logits)); soft targets carry label smoothing
        SDVariable logp = org.petl.core.site.Ops.logSoftmax(sd, logits);
        SDVariable loss = labels.mul(logp).sum(1).mean().neg().rename("loss");
        sd.setLossVariables(loss);
    }

    /**
     * transformers' heads: BertForSequenceClassification (CLS → pooler dense + tanh → dropout → classifier) and
     * RobertaForSequenceClassification (CLS → dropout → classifier.dense → tanh → dropout → classifier.out_proj).
     * The pooler comes from the checkpoint when it has one (MiniLM's ONNX has none: it starts from N(0, 0.02)).
     */
    private void transformersHead(SDVariable cls, Map<String, HostTensor> w, Random rnd) {
        HeadConfig hc = opts.head();
        int d = cfg.hidden();
        SDVariable logits;
        if (cfg.family() == EncoderConfig.Family.BERT) {
            SDVariable pw = headParam(w, "pooler.dense.weight", rnd, true, d, d);
            SDVariable pb = headParam(w, "pooler.dense.bias", rnd, false, d);
            SDVariable pooled = sd.math.tanh(Blocks.linear(sd, "pooler.dense", cls, pw, pb));
            pooled = maybeDropout("head.dropout1", pooled, opts.hiddenDropout());
            SDVariable cw = headParam(w, "classifier.weight", rnd, true, hc.numLabels(), d);
            SDVariable cb = headParam(w, "classifier.bias", rnd, false, hc.numLabels());
            logits = Blocks.linear(sd, "logits", pooled, cw, cb);
        } else {
            SDVariable x = maybeDropout("head.dropout0", cls, opts.hiddenDropout());
            SDVariable hw = headParam(w, "classifier.dense.weight", rnd, true, d, d);
            SDVariable hb = headParam(w, "classifier.dense.bias", rnd, false, d);
            x = sd.math.tanh(Blocks.linear(sd, "classifier.dense", x, hw, hb));
            x = maybeDropout("head.dropout1", x, opts.hiddenDropout());
            SDVariable ow = headParam(w, "classifier.out_proj.weight", rnd, true, hc.numLabels(), d);
            SDVariable ob = headParam(w, "classifier.out_proj.bias", rnd, false, hc.numLabels());
            logits = Blocks.linear(sd, "logits", x, ow, ob);
        }
        lossFrom(logits, hc.numLabels());
    }

    private void lossFrom(SDVariable logits, int numLabels) {
        SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, numLabels);
        SDVariable logp = org.petl.core.site.Ops.logSoftmax(sd, logits);
        SDVariable loss = labels.mul(logp).sum(1).mean().neg().rename("loss");
        sd.setLossVariables(loss);
    }

    // ---------------------------------------------------------------- parameters

    private SDVariable maybeDropout(String name, SDVariable x, double p) {
        return model.dropout(name, x, p);
    }

    private SDVariable headParam(Map<String, HostTensor> w, String name, Random rnd, boolean matrix, long... shape) {
        HostTensor t = w.get(name);
        INDArray value;
        if (t != null && t.sameShape(shape)) {
            value = Nd4j.create(t.data(), shape, 'c');
        } else {
            float[] data = new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            if (matrix) for (int i = 0; i < data.length; i++) data[i] = (float) (rnd.nextGaussian() * 0.02);
            value = Nd4j.create(data, shape, 'c');
        }
        if (matrix) value = value.transpose().dup('c');
        headParams.add(name);
        return sd.var(name, value);
    }

    // ---------------------------------------------------------------- SiteGraph

    @Override
    public SameDiff sameDiff() {
        return sd;
    }

    /** The encoder the head sits on (its sites, parameters and blocks). */
    public ModelGraph model() {
        return model;
    }

    @Override
    public String describeModel() {
        return model.describeModel();
    }

    @Override
    public Optional<SDVariable> site(Site site) {
        return model.site(site);
    }

    @Override
    public List<Site> sites() {
        return model.sites();
    }

    @Override
    public int width(Site site) {
        return model.width(site);
    }

    @Override
    public int maxPositions() {
        return cfg.maxPositions();
    }

    @Override
    public int positionTableRows() {
        return model.positionTableRows();
    }

    @Override
    public int hidden() {
        return cfg.hidden();
    }

    @Override
    public int heads() {
        return cfg.heads();
    }

    @Override
    public int layers(Stack stack) {
        return model.layers(stack);
    }

    @Override
    public SDVariable batchSize(Stack stack) {
        return model.batchSize(stack);
    }

    @Override
    public SDVariable sequenceLength(Stack stack) {
        return model.sequenceLength(stack);
    }

    @Override
    public SDVariable attentionParameter(Site module, String which) {
        return model.attentionParameter(module, which);
    }

    @Override
    public UnaryOperator<SDVariable> residualNorm(Site module) {
        return model.residualNorm(module);
    }

    @Override
    public String moduleName(Site site) {
        return model.moduleName(site);
    }

    @Override
    public List<String> baseParameters() {
        return model.baseParameters();
    }

    @Override
    public List<String> fixedParameters() {
        return model.fixedParameters();
    }

    @Override
    public List<String> headParameters() {
        return List.copyOf(headParams);
    }

    @Override
    public void rebind(Site site, SDVariable now) {
        model.rebind(site, now);
    }

    @Override
    public Optional<org.petl.core.adapter.HfLayout> hfLayout() {
        boolean bert = cfg.family() == EncoderConfig.Family.BERT;
        String type = bert ? "bert" : "roberta", cls = bert ? "Bert" : "Roberta";
        HeadConfig hc = opts.head();
        if (hc != null && hc.style() == HeadStyle.TRANSFORMERS) {
            Map<String, String> names = new LinkedHashMap<>();
            for (String n : headParams) names.put(n, n.startsWith("pooler.") ? type + "." + n : n);
            return Optional.of(new org.petl.core.adapter.HfLayout(type, cls + "ForSequenceClassification", "SEQ_CLS", type + ".", names,
                    bert ? List.of("classifier", "pooler") : List.of("classifier"), null));
        }
        String note = hc == null ? null : "petl's head (" + hc.pooling().name().toLowerCase() + " pooling"
                + (hc.hiddenLayer() ? ", dense+tanh" : "") + " -> out_proj) is not a transformers head; train with --head hf for a "
                + cls + "ForSequenceClassification export";
        return Optional.of(new org.petl.core.adapter.HfLayout(type, cls + "Model", "FEATURE_EXTRACTION", "", Map.of(), List.of(), note));
    }

    @Override
    public Optional<SDVariable> dropoutOn() {
        return model.dropoutOn();
    }

    /**
     * What to feed the dropout_keep placeholder: 1 at inference; while training any value below 1 turns every dropout
     * on, each with its own probability (hidden, attention, and the methods' own dropout).
     */
    public float keepProbability(boolean training) {
        return training ? (float) (1.0 - Math.max(opts.hiddenDropout(), opts.attentionDropout())) : 1f;
    }
}
