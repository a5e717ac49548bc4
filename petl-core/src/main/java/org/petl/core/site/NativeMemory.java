package org.petl.core.site;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SameDiff's op buffers are native memory freed only when the Java wrappers are collected; the Java heap barely
 * grows meanwhile, so without a collection every pass takes fresh pages from the kernel (page faults cost
 * 3-5x the step on virtual machines; measured: MiniLM LoRA step 3.5 s → 1.1 s). Training steps avoid this
 * altogether ({@link Backprop} reuses the step's buffers; the caller closes what it was handed); loops that still
 * create arrays per batch outside a cached pass call {@link #releaseUnreachable()}.
 */
public final class NativeMemory {

    private NativeMemory() {
    }

    public static void releaseUnreachable() {
        System.gc();
    }

    /** Frees these arrays' native buffers now (views and already closed arrays are skipped). */
    public static void close(Iterable<INDArray> arrays) {
        for (INDArray a : arrays) if (a != null && !a.wasClosed() && a.closeable()) a.close();
    }
}
