package org.petl.tasks.train;

import org.petl.core.site.NativeMemory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.petl.core.tensor.HostTensor;

/**
 * AdamW over named parameters with PyTorch {@code torch.optim.AdamW} semantics (amsgrad off):
 * <pre>
 *   p ← p − lr·wd·p                          (decoupled decay, skipped where {@code decay.test(name)} is false)
 *   m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (sqrt(v)/sqrt(1−β2^t) + ε)
 * </pre>
 * Parameters are updated in place, so pass the arrays the graph reads (e.g. SameDiff variables' arrays).
 * Moments live in float32 whatever the parameter type, as in PyTorch's default.
 */
public final class AdamW {

    /** Hyperparameters; defaults are PyTorch's except weight decay, which is HF Trainer's 0 unless set. */
    public record Config(double beta1, double beta2, double eps, double weightDecay) {
        public Config {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(eps >= 0)) throw new IllegalArgumentException("eps must be >= 0, got " + eps);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }

        public static Config defaults(double weightDecay) {
            return new Config(0.9, 0.999, 1e-8, weightDecay);
        }
    }

    /** Tensor-name suffixes in {@link #exportState()} (PyTorch's state keys). */
    public static final String M_SUFFIX = ".exp_avg", V_SUFFIX = ".exp_avg_sq", STEP_KEY = "step";

    private final Config config;
    private final Predicate<String> decay;
    private final Map<String, INDArray> m = new TreeMap<>(), v = new TreeMap<>();
    private long step;

    /** @param decay which parameters get weight decay; see {@link #hfDecay(String)} */
    public AdamW(Config config, Predicate<String> decay) {
        this.config = config;
        this.decay = decay;
    }

    /** AdamW with the HF no-decay rule: biases and LayerNorm weights are not decayed. */
    public static AdamW withHfDecayRule(Config config) {
        return new AdamW(config, AdamW::hfDecay);
    }

    /**
     * The Hugging Face grouping (run_glue & co.: {@code no_decay = ["bias", "LayerNorm.weight"]}), widened to the
     * other spellings of layer norm in HF checkpoints: false for names containing {@code bias} or a LayerNorm weight.
     */
    public static boolean hfDecay(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.contains("bias")) return false;
        return !(n.contains("layernorm") || n.contains("layer_norm") || n.contains("ln_") || n.endsWith(".ln.weight"));
    }

    public Config config() {
        return config;
    }

    /** Optimizer steps taken so far (PyTorch's {@code state['step']}). */
    public long step() {
        return step;
    }

    /** One update of every parameter in {@code params} at learning rate {@code lr}; every parameter needs a gradient. */
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        if (!grads.keySet().equals(params.keySet())) {
            var missing = new java.util.TreeSet<>(params.keySet());
            missing.removeAll(grads.keySet());
            var extra = new java.util.TreeSet<>(grads.keySet());
            extra.removeAll(params.keySet());
            throw new IllegalArgumentException("gradients do not match parameters; missing " + missing + ", unexpected " + extra);
        }
        step++;
        double bc1 = 1 - Math.pow(config.beta1, step);
        double bc2 = 1 - Math.pow(config.beta2, step);
        double stepSize = lr / bc1;
        double sqrtBc2 = Math.sqrt(bc2);
        for (var e : params.entrySet()) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = grads.get(name);
            if (!java.util.Arrays.equals(p.shape(), g.shape())) {
                throw new IllegalArgumentException("gradient of " + name + " has shape " + java.util.Arrays.toString(g.shape())
                        + ", parameter " + java.util.Arrays.toString(p.shape()));
            }
            INDArray g32 = g.castTo(DataType.FLOAT);
            INDArray mi = m.computeIfAbsent(name, k -> Nd4j.zeros(DataType.FLOAT, p.shape()));
            INDArray vi = v.computeIfAbsent(name, k -> Nd4j.zeros(DataType.FLOAT, p.shape()));
            if (config.weightDecay > 0 && decay.test(name)) p.muli(1 - lr * config.weightDecay);
            // every temporary is closed here: parameter-sized native buffers (150 MB each for a full fine-tuning of
            // a small model) would otherwise pile up until a garbage collection
            INDArray g1 = g32.mul(1 - config.beta1);
            mi.muli(config.beta1).addi(g1);
            INDArray g2 = g32.mul(g32).muli(1 - config.beta2);
            vi.muli(config.beta2).addi(g2);
            INDArray denom = Transforms.sqrt(vi, true).divi(sqrtBc2).addi(config.eps);
            INDArray update = mi.div(denom).muli(stepSize);
            INDArray typed = update.castTo(p.dataType());
            p.subi(typed);
            NativeMemory.close(Arrays.asList(g1, g2, denom, update, typed == update ? null : typed, g32 == g ? null : g32));
        }
    }

    /**
     * Step and moments as host tensors for {@code optimizer.safetensors}: {@code <name>.exp_avg},
     * {@code <name>.exp_avg_sq} and a scalar {@code step} (float32 holds step counts exactly up to 2^24).
     */
    public Map<String, HostTensor> exportState() {
        if (step >= (1L << 24)) throw new IllegalStateException("step " + step + " does not fit a float32 exactly");
        Map<String, HostTensor> out = new LinkedHashMap<>();
        out.put(STEP_KEY, new HostTensor(new long[0], new float[]{step}));
        for (String name : m.keySet()) {
            out.put(name + M_SUFFIX, toHost(m.get(name)));
            out.put(name + V_SUFFIX, toHost(v.get(name)));
        }
        return out;
    }

    /** Replaces the state with one from {@link #exportState()}. */
    public void importState(Map<String, HostTensor> state) {
        HostTensor s = state.get(STEP_KEY);
        if (s == null || s.data().length != 1) throw new IllegalArgumentException("optimizer state has no scalar \"" + STEP_KEY + "\"");
        Map<String, INDArray> nm = new TreeMap<>(), nv = new TreeMap<>();
        for (var e : state.entrySet()) {
            String k = e.getKey();
            if (k.equals(STEP_KEY)) continue;
            if (k.endsWith(V_SUFFIX)) nv.put(k.substring(0, k.length() - V_SUFFIX.length()), toNd(e.getValue()));
            else if (k.endsWith(M_SUFFIX)) nm.put(k.substring(0, k.length() - M_SUFFIX.length()), toNd(e.getValue()));
            else throw new IllegalArgumentException("unexpected optimizer state tensor \"" + k + "\"");
        }
        if (!nm.keySet().equals(nv.keySet())) throw new IllegalArgumentException("optimizer state has unpaired moments: " + nm.keySet() + " vs " + nv.keySet());
        m.clear();
        v.clear();
        m.putAll(nm);
        v.putAll(nv);
        step = (long) s.data()[0];
    }

    static HostTensor toHost(INDArray a) {
        INDArray c = a.castTo(DataType.FLOAT).dup('c');
        return new HostTensor(c.shape().clone(), c.data().asFloat());
    }

    static INDArray toNd(HostTensor t) {
        return Nd4j.create(t.data().clone(), t.shape().clone(), 'c');
    }
}
