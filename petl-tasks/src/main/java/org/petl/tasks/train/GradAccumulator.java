package org.petl.tasks.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient accumulation over micro-batches: {@link #add} sums (weighted) gradients, {@link #average} returns
 * the sum divided by the total weight and resets. With unit weights this is "sum over k micro-batches, divide
 * by k", which equals the full-batch gradient of a mean loss when the micro-batches are the same size; pass the
 * micro-batch size as weight when they are not (the last batch of an epoch).
 */
public final class GradAccumulator {

    private final Map<String, INDArray> sum = new LinkedHashMap<>();
    private double weight;
    private int count;

    public void add(Map<String, INDArray> grads) {
        add(grads, 1.0);
    }

    public void add(Map<String, INDArray> grads, double w) {
        if (!(w > 0)) throw new IllegalArgumentException("micro-batch weight must be positive, got " + w);
        if (count > 0 && !sum.keySet().equals(grads.keySet())) {
            throw new IllegalArgumentException("micro-batch gradients name " + grads.keySet() + ", earlier ones " + sum.keySet());
        }
        for (var e : grads.entrySet()) {
            INDArray g = e.getValue().castTo(DataType.FLOAT);
            INDArray s = sum.get(e.getKey());
            // copy on first add: the graph may reuse its gradient buffers on the next micro-batch
            if (s == null) {
                sum.put(e.getKey(), g.mul(w));
            } else {
                INDArray gw = g.mul(w);
                s.addi(gw);
                gw.close();
            }
            if (g != e.getValue()) g.close();   // a cast copy
        }
        weight += w;
        count++;
    }

    /** Micro-batches added since the last {@link #average()}. */
    public int count() {
        return count;
    }

    /** The weighted mean of the added gradients; resets the accumulator. */
    public Map<String, INDArray> average() {
        if (count == 0) throw new IllegalStateException("no gradients accumulated");
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (var e : sum.entrySet()) out.put(e.getKey(), e.getValue().divi(weight));
        sum.clear();
        weight = 0;
        count = 0;
        return out;
    }
}
