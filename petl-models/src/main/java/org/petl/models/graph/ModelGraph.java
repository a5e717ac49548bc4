package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.petl.core.arch.ModelDescription;
import org.petl.core.arch.TensorNames;
import org.petl.core.io.WeightFileException;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;
import org.petl.core.site.SiteGraph;
import org.petl.core.tensor.HostTensor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A SameDiff Transformer built from a {@link ModelDescription} and the blocks of this package; it names its sites
 * and holds the base parameters under the family's Hugging Face names ({@link TensorNames}). Assemblies
 * ({@code org.petl.models.assembly}) create the placeholders, call {@link Embeddings}, {@link Stacks} and add their
 * task head and loss; the rewriter sees only this {@link SiteGraph}.
 *
 * <p>Linear weights are stored [in, out] (the transpose of the PyTorch layout); embedding tables [rows, d].
 */
public final class ModelGraph implements SiteGraph {

    /**
     * @param hiddenDropout       dropout after the embeddings and every sub-layer output (0: none in the graph)
     * @param attentionDropout    dropout on attention probabilities
     * @param trainableEmbeddings lookups whose gradient is right ({@link org.petl.core.site.EmbeddingGather}): full
     *                            fine-tuning trains every table, the tied word table / LM head included
     */
    public record Options(double hiddenDropout, double attentionDropout, boolean trainableEmbeddings) {
        public static Options inference() {
            return new Options(0, 0, false);
        }
    }

    private final SameDiff sd = SameDiff.create();
    private final ModelDescription desc;
    private final Options opts;
    private final Map<String, HostTensor> weights;
    private final Map<Site, SDVariable> sites = new LinkedHashMap<>();
    private final List<String> baseParams = new ArrayList<>();
    private final List<String> headParams = new ArrayList<>();
    private final List<String> fixedParams = new ArrayList<>();
    private final Map<Stack, SDVariable> batch = new EnumMap<>(Stack.class);
    private final Map<Stack, SDVariable> length = new EnumMap<>(Stack.class);
    private final SDVariable keep;
    /** 1 while training (dropout_keep fed below 1), 0 at inference: every dropout keeps with 1 − p·on. */
    private final SDVariable on;

    /**
     * @param weights base tensors under graph names (tied copies and buffers may be absent), PyTorch layout
     */
    public ModelGraph(ModelDescription desc, Map<String, HostTensor> weights, Options opts) {
        this.desc = desc;
        this.opts = opts;
        this.weights = weights;
        this.keep = sd.placeHolder("dropout_keep", DataType.FLOAT);
        this.on = sd.identity("dropout_on", keep.lt(1.0).castTo(DataType.FLOAT));
    }

    public ModelDescription description() {
        return desc;
    }

    public Options options() {
        return opts;
    }

    public TensorNames names() {
        return desc.names();
    }

    /** Keep probability 1 − p·on of one kind of dropout (hidden and attention dropout have their own p). */
    public SDVariable keep(double p) {
        return on.mul(-p).add(1.0);
    }

    @Override
    public Optional<SDVariable> dropoutOn() {
        return Optional.of(on);
    }

    /**
     * What to feed the dropout_keep placeholder: 1 at inference; while training any value below 1 turns every dropout
     * on, each with its own probability (hidden, attention, and the methods' own dropout).
     */
    public float keepProbability(boolean training) {
        return training ? (float) (1.0 - Math.max(opts.hiddenDropout(), opts.attentionDropout())) : 1f;
    }

    SDVariable dropout(String name, SDVariable x, double p) {
        return p > 0 ? Blocks.dropout(sd, name, x, keep(p)) : x;
    }

    /** Records the batch size and length of a stack ([1]-shaped INT variables) from its [B, T] ids. */
    public void dimensions(Stack s, SDVariable ids) {
        SDVariable shape = ids.shape();
        batch.put(s, sd.identity(s.name().toLowerCase() + ".batch", sd.gather(shape, new int[]{0}, 0)));
        length.put(s, sd.identity(s.name().toLowerCase() + ".length", sd.gather(shape, new int[]{1}, 0)));
    }

    // ------------------------------------------------------------------ sites and parameters

    public SDVariable register(Site site, SDVariable v) {
        sites.put(site, v);
        return v;
    }

    /** Names a value as a site (an identity op, so the rewriter can rewire its consumers). */
    public SDVariable site(Site site, SDVariable v) {
        return register(site, org.petl.core.site.SiteIdentity.of(sd, site.name(), v));
    }

    /** A base tensor as a variable, shape-checked (PyTorch shape); created once and shared. */
    public SDVariable param(String name, long... shape) {
        if (sd.hasVariable(name)) return sd.getVariable(name);
        HostTensor t = tensor(name, shape);
        baseParams.add(name);
        return sd.var(name, Nd4j.create(t.data(), shape, 'c'));
    }

    /** A Linear weight given [out, in] (PyTorch), stored [in, out]. */
    public SDVariable linearWeight(String name, long out, long in) {
        if (sd.hasVariable(name)) return sd.getVariable(name);
        HostTensor t = tensor(name, out, in);
        baseParams.add(name);
        return sd.var(name, Nd4j.create(t.data(), new long[]{out, in}, 'c').transpose().dup('c'));
    }

    /** A buffer: a constant that never trains (BART's final_logits_bias), zeros when the weights lack it. */
    public SDVariable buffer(String name, long... shape) {
        if (sd.hasVariable(name)) return sd.getVariable(name);
        HostTensor t = weights.get(name);
        if (t != null && !t.sameShape(shape)) {
            throw new WeightFileException("tensor '" + name + "' has shape " + t.shapeString() + ", the config expects " + java.util.Arrays.toString(shape));
        }
        return sd.constant(name, t == null ? Nd4j.zeros(DataType.FLOAT, shape) : Nd4j.create(t.data(), shape, 'c'));
    }

    private HostTensor tensor(String name, long... shape) {
        HostTensor t = weights.get(name);
        if (t == null) throw new WeightFileException("weights lack tensor '" + name + "'");
        if (!t.sameShape(shape)) {
            throw new WeightFileException("tensor '" + name + "' has shape " + t.shapeString() + ", the config expects " + java.util.Arrays.toString(shape));
        }
        return t;
    }

    /** Marks a base parameter that cannot train in this graph (see {@link #fixedParameters()}). */
    public void fixed(String name) {
        if (!fixedParams.contains(name)) fixedParams.add(name);
    }

    /** Marks a parameter as the task head's (trained with every method). */
    public void head(String name) {
        headParams.add(name);
    }

    /** y = x W + b of the projection {@code module} (weights {@code module.weight} [out, in], {@code module.bias}). */
    public SDVariable linear(String out, SDVariable x, String module, int in, int outDim) {
        return Blocks.linear(sd, out, x, linearWeight(module + ".weight", outDim, in), param(module + ".bias", outDim));
    }

    public SDVariable layerNorm(String name, SDVariable x, String module) {
        return Blocks.layerNorm(sd, name, x, param(module + ".weight", desc.hidden()), param(module + ".bias", desc.hidden()), desc.layerNormEps());
    }

    // ------------------------------------------------------------------ SiteGraph

    @Override
    public SameDiff sameDiff() {
        return sd;
    }

    @Override
    public String describeModel() {
        return "model '" + desc.name() + "' (" + desc.family().name().toLowerCase(java.util.Locale.ROOT) + ")";
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
        return desc.width(site);
    }

    @Override
    public int maxPositions() {
        return desc.maxTokens();
    }

    @Override
    public int positionTableRows() {
        return desc.positionRows();
    }

    @Override
    public int hidden() {
        return desc.hidden();
    }

    @Override
    public int heads() {
        return desc.heads();
    }

    @Override
    public int layers(Stack stack) {
        return desc.layers(stack);
    }

    @Override
    public SDVariable batchSize(Stack stack) {
        SDVariable b = batch.get(stack);
        return b != null ? b : batch.get(Stack.ENCODER);
    }

    @Override
    public SDVariable sequenceLength(Stack stack) {
        return length.get(stack);
    }

    @Override
    public SDVariable attentionParameter(Site module, String which) {
        String name = switch (which) {
            case "q", "k", "v", "o" -> names().projection(module.at(point(which))) + ".weight";
            case "q_bias", "k_bias", "v_bias", "o_bias" -> names().projection(module.at(point(which.substring(0, 1)))) + ".bias";
            default -> throw new IllegalArgumentException("unknown attention parameter '" + which + "'");
        };
        return sd.getVariable(name);
    }

    private static Point point(String which) {
        return switch (which) {
            case "q" -> Point.Q;
            case "k" -> Point.K;
            case "v" -> Point.V;
            default -> Point.OUTPUT;
        };
    }

    /** Post-LN: the sub-layer's own LayerNorm; pre-LN: nothing follows the residual, the identity. */
    @Override
    public UnaryOperator<SDVariable> residualNorm(Site module) {
        return switch (desc.norm()) {
            case POST -> {
                String ln = names().norm(module);
                yield z -> layerNorm(null, z, ln);
            }
            case PRE -> z -> z;
        };
    }

    /**
     * BART/mBART: the graph's names are already those of {@code BartForConditionalGeneration} /
     * {@code MBartForConditionalGeneration} ({@code model.encoder.layers.0.self_attn.q_proj}); the LM head is tied to
     * the word table, so there is nothing to save beside the adapter (PEFT task type SEQ_2_SEQ_LM).
     */
    @Override
    public Optional<org.petl.core.adapter.HfLayout> hfLayout() {
        return switch (desc.family()) {
            case BART -> Optional.of(new org.petl.core.adapter.HfLayout("bart", "BartForConditionalGeneration", "SEQ_2_SEQ_LM", "", Map.of(), List.of(), null));
            case MBART -> Optional.of(new org.petl.core.adapter.HfLayout("mbart", "MBartForConditionalGeneration", "SEQ_2_SEQ_LM", "", Map.of(), List.of(), null));
            case BERT, ROBERTA -> Optional.empty();
        };
    }

    @Override
    public String moduleName(Site site) {
        return names().projection(site);
    }

    @Override
    public List<String> baseParameters() {
        return List.copyOf(baseParams);
    }

    @Override
    public List<String> fixedParameters() {
        return List.copyOf(fixedParams);
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

    /** [N, d] → [B, T, d] of a stack, named. */
    public SDVariable unflatten(String name, SDVariable x, Stack s) {
        return sd.reshape(name, x, sd.concat(0, batchSize(s), sd.constant(Nd4j.createFromArray(-1L, desc.hidden()))));
    }

    /** A module's site (helper for blocks). */
    static Site at(Stack s, int layer, Module m, Point p) {
        return new Site(s, layer, m, p);
    }
}
