package org.petl.bench;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a SameDiff pass spends its time, per op type: the time between each op's pre-execution and execution
 * callbacks (the op itself, its output allocation included), summed by op name, plus the op count. What a step
 * takes beyond the sum is the executor's own work between ops (dependency tracking, array bookkeeping, Java).
 */
final class OpTimes extends BaseListener {

    record Row(String op, long count, double seconds) {
    }

    private final Map<String, long[]> byOp = new HashMap<>();
    private final boolean byShape;
    private long started;

    /** {@code byShape}: one row per op name and shape of its first output, else per op name. */
    OpTimes(boolean byShape) {
        this.byShape = byShape;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        started = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long t = System.nanoTime() - started;
        String key = op.getOp().opName();
        if (byShape && outputs != null && outputs.length > 0 && outputs[0] != null) key += " " + java.util.Arrays.toString(outputs[0].shape());
        long[] c = byOp.computeIfAbsent(key, k -> new long[2]);
        c[0]++;
        c[1] += t;
    }

    void clear() {
        byOp.clear();
    }

    /** Rows by time, largest first, per step ({@code steps} passes were recorded). */
    List<Row> rows(int steps) {
        List<Row> rows = new ArrayList<>();
        byOp.forEach((k, c) -> rows.add(new Row(k, c[0] / steps, c[1] / 1e9 / steps)));
        rows.sort((a, b) -> Double.compare(b.seconds(), a.seconds()));
        return rows;
    }
}
