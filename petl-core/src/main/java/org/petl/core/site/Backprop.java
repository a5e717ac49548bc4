package org.petl.core.site;

import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One forward + backward pass: SameDiff's {@code calculateGradientsAndOutputs} with the array cache on.
 *
 * <p>Why: M2.1's {@code calculateGradientsAndOutputs} calls {@code gradFn.setEnableCache(false)}, so the inference
 * session never hands a step's intermediate arrays back to its memory manager (ArrayCacheMemoryMgr, exact-shape
 * reuse). Every training step then allocates every activation and every gradient afresh, as native buffers that
 * only the garbage collector frees: resident memory grows by gigabytes between collections, and the loop needed a
 * full {@code System.gc()} per batch to stay fast. With the cache on, the next step of the same shapes reuses those
 * buffers. The pass is otherwise SameDiff's own (same gradient function, same listeners, TRAINING operation), and
 * {@code BackpropCacheTest} proves its gradients equal SameDiff's bit for bit.
 *
 * <p>The caller owns the returned arrays (the cache never hands out a requested output); close them when done
 * ({@link NativeMemory#close}).
 */
public final class Backprop {

    /** Outputs by requested name; gradients by parameter name (parameters the loss does not depend on are absent). */
    public record Result(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {
    }

    private static final String GRAD_FN = "grad";
    private static final Method BATCH_OUTPUT = batchOutputHelper();

    private Backprop() {
    }

    public static Result outputsAndGradients(SameDiff sd, Map<String, INDArray> placeholders,
                                             Collection<String> outputs, Collection<String> parameters) {
        if (sd.getFunction(GRAD_FN) == null) sd.createGradFunction();
        List<String> wanted = new ArrayList<>(outputs);
        Map<String, String> gradientOf = new LinkedHashMap<>();
        for (String p : parameters) {
            SDVariable v = sd.getVariable(p);
            if (v == null) throw new IllegalArgumentException("no variable " + p + " in the graph");
            SDVariable g = v.getGradient();
            if (g != null) {
                gradientOf.put(p, g.name());
                wanted.add(g.name());
            }
        }
        SameDiff gradFn = sd.getFunction(GRAD_FN);
        gradFn.setEnableCache(true);
        gradFn.setListeners(sd.getListeners());
        ExecutionResult r;
        try {
            r = (ExecutionResult) BATCH_OUTPUT.invoke(gradFn, placeholders, null, Operation.TRAINING, wanted.toArray(new String[0]));
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException("SameDiff gradient pass failed: " + cause, cause);
        }
        Map<String, INDArray> values = values(r);
        Map<String, INDArray> outs = new LinkedHashMap<>();
        for (String o : outputs) outs.put(o, values.get(o));
        Map<String, INDArray> grads = new LinkedHashMap<>();
        gradientOf.forEach((p, g) -> grads.put(p, values.get(g)));
        return new Result(outs, grads);
    }

    private static Map<String, INDArray> values(ExecutionResult r) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (r.getOutputs() != null) {
            for (Map.Entry<String, Optional<INDArray>> e : r.getOutputs().entrySet()) out.put(e.getKey(), e.getValue().orElse(null));
        } else if (r.getValueOutputs() != null) {
            for (Map.Entry<String, SDValue> e : r.getValueOutputs().entrySet()) out.put(e.getKey(), e.getValue().getTensorValue());
        }
        return out;
    }

    // SameDiff's own entry point for a TRAINING pass of one batch; the public output() methods run INFERENCE
    private static Method batchOutputHelper() {
        try {
            Method m = SameDiff.class.getDeclaredMethod("batchOutputHelper", Map.class, List.class, Operation.class, String[].class);
            m.setAccessible(true);
            return m;
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError("this ND4J has no SameDiff.batchOutputHelper(Map, List, Operation, String...): " + e);
        }
    }
}
