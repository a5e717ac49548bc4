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
 * A BERT-family encoder (BERT, RoBERTa, MiniLM, bge) as a SameDiff graph that names its PETL sites.
 * Read top to bottom: embeddings, then per layer self-attention and FFN (post-LayerNorm), then an optional
 * classification head and loss.
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

    private final SameDiff sd;
    private final EncoderConfig cfg;
    private final Options opts;
    private final Map<Site, SDVariable> sites = new LinkedHashMap<>();
    private final List<String> baseParams = new ArrayList<>();
    private final List<String> headParams = new ArrayList<>();
    private final Map<Site, UnaryOperator<SDVariable>> residualNorms = new LinkedHashMap<>();
    private SDVariable batch;
    private SDVariable length;
    private SDVariable keep;
    /** 1 while training (dropout_keep fed below 1), 0 at inference: every dropout keeps with 1 − p·on. */
    private SDVariable on;

    private EncoderGraph(EncoderConfig cfg, Options opts) {
        this.sd = SameDiff.create();
        this.cfg = cfg;
        this.opts = opts;
    }

    public static EncoderGraph build(EncoderConfig cfg, Map<String, HostTensor> weights, Options opts) {
        EncoderGraph g = new EncoderGraph(cfg, opts);
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
        register(Site.embeddings(Stack.ENCODER, Point.MASK), mask);
        keep = sd.placeHolder("dropout_keep", DataType.FLOAT);
        on = sd.identity("dropout_on", keep.lt(1.0).castTo(DataType.FLOAT));
        SDVariable shape = ids.shape();
        batch = sd.identity("encoder.batch", sd.gather(shape, new int[]{0}, 0));
        length = sd.identity("encoder.length", sd.gather(shape, new int[]{1}, 0));

        // --- embeddings: word + position + type, LayerNorm
        int d = cfg.hidden();
        SDVariable wordTable = param(w, "embeddings.word_embeddings.weight", cfg.vocab(), d);
        SDVariable posTable = param(w, "embeddings.position_embeddings.weight", cfg.maxPositions(), d);
        SDVariable typeTable = param(w, "embeddings.token_type_embeddings.weight", cfg.typeVocab(), d);
        // lookups whose gradient is a scatter-add (SameDiff's own gather gradient neither adds up repeated ids nor
        // builds twice in one graph): every table trains under full fine-tuning
        SDVariable word, pos, typ;
        if (opts.trainableEmbeddings()) {
            word = EmbeddingGather.of(sd, wordTable, sd.reshape(ids, -1), cfg.vocab());
            pos = EmbeddingGather.of(sd, posTable, sd.reshape(positions, -1), cfg.maxPositions());
            typ = EmbeddingGather.of(sd, typeTable, sd.reshape(types, -1), cfg.typeVocab());
        } else {
            word = sd.gather(wordTable, sd.reshape(ids, -1), 0);
            pos = sd.gather(posTable, sd.reshape(positions, -1), 0);
            typ = sd.gather(typeTable, sd.reshape(types, -1), 0);
        }
        SDVariable sum = sd.identity("encoder.embeddings.sum", word.add(pos).add(typ));
        register(Site.embeddings(Stack.ENCODER, Point.SUM), sum);
        SDVariable h = layerNorm("encoder.embeddings.ln", sum, "embeddings.LayerNorm", w);
        h = maybeDropout("encoder.embeddings.dropout", h, opts.hiddenDropout());

        // additive key mask [B, 1, 1, S]: 0 on tokens, -10000 on padding (as BERT/RoBERTa)
        SDVariable additive = mask.rsub(1.0).mul(-10000.0);
        SDVariable maskShape = sd.concat(0, batch, sd.constant(Nd4j.createFromArray(1L, 1L)), length);
        SDVariable keyMask = sd.reshape("encoder.key_mask", additive, maskShape);

        for (int i = 0; i < cfg.layers(); i++) {
            h = layer(i, h, keyMask, w);
        }
        SDVariable lastHidden = sd.reshape("last_hidden_state", h,
                sd.concat(0, batch, length, sd.constant(Nd4j.createFromArray((long) d))));
        if (opts.head() != null) head(lastHidden, mask, w);
    }

    private SDVariable layer(int i, SDVariable x, SDVariable keyMask, Map<String, HostTensor> w) {
        String p = "encoder.layer." + i + ".";
        int d = cfg.hidden();
        Site attn = Site.encoder(i, Module.SELF_ATTN, Point.INPUT);
        register(attn.at(Point.RESIDUAL), sd.identity(attn.at(Point.RESIDUAL).name(), x));
        register(attn, sd.identity(attn.name(), x));
        SDVariable context = register(attn.at(Point.CONTEXT), sd.identity(attn.at(Point.CONTEXT).name(), x));
        SDVariable mask = register(attn.at(Point.MASK), sd.identity(attn.at(Point.MASK).name(), keyMask));
        SDVariable q = register(attn.at(Point.Q), linear(attn.at(Point.Q).name(), sites.get(attn), p + "attention.self.query", d, d, w));
        SDVariable k = register(attn.at(Point.K), linear(attn.at(Point.K).name(), context, p + "attention.self.key", d, d, w));
        SDVariable v = register(attn.at(Point.V), linear(attn.at(Point.V).name(), context, p + "attention.self.value", d, d, w));
        SDVariable keys = register(attn.at(Point.KEYS), sd.identity(attn.at(Point.KEYS).name(), k));
        SDVariable values = register(attn.at(Point.VALUES), sd.identity(attn.at(Point.VALUES).name(), v));
        int hs = cfg.headSize();
        SDVariable ctx = Blocks.attend(sd, attn.at(Point.SCORES).name(), Blocks.splitHeads(sd, q, batch, cfg.heads(), hs),
                Blocks.splitHeads(sd, keys, batch, cfg.heads(), hs), Blocks.splitHeads(sd, values, batch, cfg.heads(), hs),
                mask, 1.0 / Math.sqrt(hs), opts.attentionDropout() > 0 ? keepFor(opts.attentionDropout()) : null);
        register(attn.at(Point.SCORES), sd.getVariable(attn.at(Point.SCORES).name()));
        SDVariable heads = register(attn.at(Point.HEADS), Blocks.mergeHeads(sd, attn.at(Point.HEADS).name(), ctx, d));
        SDVariable out = register(attn.at(Point.OUTPUT), linear(attn.at(Point.OUTPUT).name(), heads, p + "attention.output.dense", d, d, w));
        out = maybeDropout(p + "attn.dropout", out, opts.hiddenDropout());
        out = register(attn.at(Point.DROPPED), sd.identity(attn.at(Point.DROPPED).name(), out));
        String attnLn = p + "attention.output.LayerNorm";
        residualNorms.put(attn, z -> layerNorm(null, z, attnLn, w));
        SDVariable a = layerNorm(p + "attn.residual_ln", out.add(x), attnLn, w);

        Site ffn = Site.encoder(i, Module.FFN, Point.INPUT);
        register(ffn.at(Point.RESIDUAL), sd.identity(ffn.at(Point.RESIDUAL).name(), a));
        SDVariable fin = register(ffn, sd.identity(ffn.name(), a));
        SDVariable pre = register(ffn.at(Point.HIDDEN_PRE), linear(ffn.at(Point.HIDDEN_PRE).name(), fin, p + "intermediate.dense", d, cfg.ffn(), w));
        SDVariable hid = register(ffn.at(Point.HIDDEN), Blocks.activation(sd, ffn.at(Point.HIDDEN).name(), cfg.activation(), pre));
        SDVariable f = register(ffn.at(Point.OUTPUT), linear(ffn.at(Point.OUTPUT).name(), hid, p + "output.dense", cfg.ffn(), d, w));
        f = maybeDropout(p + "ffn.dropout", f, opts.hiddenDropout());
        f = register(ffn.at(Point.DROPPED), sd.identity(ffn.at(Point.DROPPED).name(), f));
        String outLn = p + "output.LayerNorm";
        residualNorms.put(ffn, z -> layerNorm(null, z, outLn, w));
        return layerNorm(p + "output", f.add(a), outLn, w);
    }

    private void head(SDVariable lastHidden, SDVariable mask, Map<String, HostTensor> w) {
        HeadConfig hc = opts.head();
        int d = cfg.hidden();
        SDVariable pooled;
        if (hc.pooling() == Pooling.CLS) {
            pooled = lastHidden.get(org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.point(0),
                    org.nd4j.autodiff.samediff.SDIndex.all());
        } else {
            SDVariable m = sd.expandDims(mask, 2);
            pooled = lastHidden.mul(m).sum(1).div(mask.sum(true, 1));
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

    private SDVariable register(Site site, SDVariable v) {
        sites.put(site, v);
        return v;
    }

    private SDVariable maybeDropout(String name, SDVariable x, double p) {
        return p > 0 ? Blocks.dropout(sd, name, x, keepFor(p)) : x;
    }

    /** Keep probability 1 − p·on of one kind of dropout (hidden and attention dropout have their own p). */
    private SDVariable keepFor(double p) {
        return on.mul(-p).add(1.0);
    }

    @Override
    public Optional<SDVariable> dropoutOn() {
        return Optional.of(on);
    }

    private SDVariable linear(String out, SDVariable x, String module, int in, int outDim, Map<String, HostTensor> w) {
        SDVariable weight = linearWeight(w, module + ".weight", outDim, in);
        SDVariable bias = param(w, module + ".bias", outDim);
        return Blocks.linear(sd, out, x, weight, bias);
    }

    private SDVariable layerNorm(String name, SDVariable x, String module, Map<String, HostTensor> w) {
        SDVariable g = param(w, module + ".weight", cfg.hidden());
        SDVariable b = param(w, module + ".bias", cfg.hidden());
        return Blocks.layerNorm(sd, name, x, g, b, cfg.layerNormEps());
    }

    /** A base parameter, shape-checked; created once and shared on later calls. */
    private SDVariable param(Map<String, HostTensor> w, String name, long... shape) {
        if (sd.hasVariable(name)) return sd.getVariable(name);
        HostTensor t = w.get(name);
        if (t == null) throw new WeightFileException("weights lack tensor '" + name + "'");
        if (!t.sameShape(shape)) {
            throw new WeightFileException("tensor '" + name + "' has shape " + t.shapeString() + ", the config expects " + java.util.Arrays.toString(shape));
        }
        baseParams.add(name);
        return sd.var(name, Nd4j.create(t.data(), shape, 'c'));
    }

    /** A Linear weight given [out, in] (PyTorch), stored [in, out]. */
    private SDVariable linearWeight(Map<String, HostTensor> w, String name, long out, long in) {
        if (sd.hasVariable(name)) return sd.getVariable(name);
        HostTensor t = w.get(name);
        if (t == null) throw new WeightFileException("weights lack tensor '" + name + "'");
        if (!t.sameShape(out, in)) {
            throw new WeightFileException("tensor '" + name + "' has shape " + t.shapeString() + ", the config expects [" + out + ", " + in + "]");
        }
        baseParams.add(name);
        return sd.var(name, Nd4j.create(t.data(), new long[]{out, in}, 'c').transpose().dup('c'));
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

    @Override
    public Optional<SDVariable> site(Site site) {
        return Optional.ofNullable(sites.get(site));
    }

    @Override
    public List<Site> sites() {
        return List.copyOf(sites.keySet());
    }

    @Override
    public int width(Site site) {
        return site.module() == Module.FFN && (site.point() == Point.HIDDEN_PRE || site.point() == Point.HIDDEN) ? cfg.ffn() : cfg.hidden();
    }

    @Override
    public int maxPositions() {
        return cfg.maxPositions();
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
        return stack == Stack.ENCODER ? cfg.layers() : 0;
    }

    @Override
    public SDVariable batchSize(Stack stack) {
        return batch;
    }

    @Override
    public SDVariable sequenceLength(Stack stack) {
        return length;
    }

    @Override
    public SDVariable attentionParameter(Site module, String which) {
        String base = "encoder.layer." + module.layer() + ".attention.";
        String name = switch (which) {
            case "q" -> base + "self.query.weight";
            case "k" -> base + "self.key.weight";
            case "v" -> base + "self.value.weight";
            case "o" -> base + "output.dense.weight";
            case "q_bias" -> base + "self.query.bias";
            case "k_bias" -> base + "self.key.bias";
            case "v_bias" -> base + "self.value.bias";
            case "o_bias" -> base + "output.dense.bias";
            default -> throw new IllegalArgumentException("unknown attention parameter '" + which + "'");
        };
        return sd.getVariable(name);
    }

    @Override
    public UnaryOperator<SDVariable> residualNorm(Site module) {
        UnaryOperator<SDVariable> f = residualNorms.get(module.at(Point.INPUT));
        if (f == null) throw new IllegalArgumentException("no residual LayerNorm at " + module);
        return f;
    }

    @Override
    public String moduleName(Site site) {
        String base = "encoder.layer." + site.layer() + ".";
        String name = switch (site.module()) {
            case SELF_ATTN -> switch (site.point()) {
                case Q -> "attention.self.query";
                case K -> "attention.self.key";
                case V -> "attention.self.value";
                case OUTPUT -> "attention.output.dense";
                default -> null;
            };
            case FFN -> switch (site.point()) {
                case HIDDEN_PRE -> "intermediate.dense";
                case OUTPUT -> "output.dense";
                default -> null;
            };
            default -> null;
        };
        if (name == null) throw new IllegalArgumentException("site " + site + " is not the output of a projection");
        return base + name;
    }

    @Override
    public List<String> baseParameters() {
        return List.copyOf(baseParams);
    }

    @Override
    public List<String> headParameters() {
        return List.copyOf(headParams);
    }

    @Override
    public void rebind(Site site, SDVariable now) {
        if (!sites.containsKey(site)) throw new IllegalArgumentException("no site " + site);
        sites.put(site, now);
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

    /**
     * What to feed the dropout_keep placeholder: 1 at inference; while training any value below 1 turns every dropout
     * on, each with its own probability (hidden, attention, and the methods' own dropout).
     */
    public float keepProbability(boolean training) {
        return training ? (float) (1.0 - Math.max(opts.hiddenDropout(), opts.attentionDropout())) : 1f;
    }
}
