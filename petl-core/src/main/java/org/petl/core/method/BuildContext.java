package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.site.Site;
import org.petl.core.site.SiteGraph;

import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * What a strategy sees while the rewriter applies it at one site: the graph, the site, and a factory for
 * named trainable parameters.
 */
public final class BuildContext {

    private final SiteGraph graph;
    private final Site site;
    private final String scope;
    private final Random rnd;
    private final Map<String, AddedParameter> added;
    private final Map<String, SDVariable> shared;
    private final Map<String, INDArray> preset;

    BuildContext(SiteGraph graph, Site site, String scope, Random rnd, Map<String, AddedParameter> added,
                 Map<String, SDVariable> shared, Map<String, INDArray> preset) {
        this.graph = graph;
        this.site = site;
        this.scope = scope;
        this.rnd = rnd;
        this.added = added;
        this.shared = shared;
        this.preset = preset;
    }

    public SiteGraph graph() {
        return graph;
    }

    public SameDiff sd() {
        return graph.sameDiff();
    }

    /** The site being modified. */
    public Site site() {
        return site;
    }

    /** Name prefix for this modification at this site, e.g. {@code adapter.encoder.layer.0.ffn.output}. */
    public String scope() {
        return scope;
    }

    public Random random() {
        return rnd;
    }

    /** A trainable parameter {@code scope.local}, stored under the same name. */
    public SDVariable param(String local, Init init, long... shape) {
        return param(scope + "." + local, scope + "." + local, false, true, init, shape);
    }

    /** A trainable Linear weight [in, out] in the graph, saved as [out, in] under {@code savedName}. */
    public SDVariable linearWeight(String graphName, String savedName, Init init, long in, long out) {
        return param(graphName, savedName, true, true, init, in, out);
    }

    public SDVariable param(String graphName, String savedName, boolean transposed, boolean stored, Init init, long... shape) {
        if (graph.sameDiff().hasVariable(graphName)) {
            throw new MethodSpecException("parameter '" + graphName + "' exists already: two modifications share a name; give them distinct names");
        }
        INDArray value = preset.containsKey(graphName) ? preset.get(graphName) : init.create(rnd, shape);
        if (!java.util.Arrays.equals(value.shape(), shape)) {
            throw new MethodSpecException("parameter '" + graphName + "' has shape " + java.util.Arrays.toString(value.shape()) + ", the method needs " + java.util.Arrays.toString(shape));
        }
        SDVariable v = graph.sameDiff().var(graphName, value.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        added.put(graphName, new AddedParameter(graphName, savedName, shape.clone(), transposed, stored, false));
        return v;
    }

    /**
     * Names a computed value (e.g. a prefix from the MLP generator) that is stored on save in place of the
     * parameters that produced it; loading then gives it as a plain parameter under the same name.
     */
    public SDVariable derived(String name, SDVariable value, long... shape) {
        if (preset.containsKey(name)) return param(name, name, false, true, Init.ZEROS, shape);
        SDVariable v = ctxIdentity(name, value);
        added.put(name, new AddedParameter(name, name, shape.clone(), false, true, true));
        return v;
    }

    /** True when the parameter comes from a loaded adapter file rather than from initialisation. */
    public boolean isPreset(String name) {
        return preset.containsKey(name);
    }

    private SDVariable ctxIdentity(String name, SDVariable value) {
        return graph.sameDiff().identity(name, value);
    }

    /**
     * Method-internal dropout of {@code x} with probability p while training (named {@code scope.local}); x itself
     * when p = 0. Needs the graph's dropout switch ({@link SiteGraph#dropoutOn()}).
     */
    public SDVariable dropout(String local, SDVariable x, double p) {
        if (p == 0) return x;
        SDVariable on = graph.dropoutOn().orElseThrow(() -> new MethodSpecException(scope + ": dropout=" + p + " needs a graph with a dropout switch"));
        return org.petl.core.site.Ops.dropout(graph.sameDiff(), scope + "." + local, x, on, p);
    }

    /** A variable shared by all sites of one modification (e.g. a prefix generator), built once. */
    public SDVariable shared(String key, Supplier<SDVariable> build) {
        SDVariable v = shared.get(key);
        if (v == null) {
            v = build.get();
            shared.put(key, v);
        }
        return v;
    }

    /** A context for another site of the same modification. */
    public BuildContext at(Site other, String otherScope) {
        return new BuildContext(graph, other, otherScope, rnd, added, shared, preset);
    }
}
