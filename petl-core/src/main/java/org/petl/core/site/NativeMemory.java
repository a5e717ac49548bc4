package org.petl.core.site;

/**
 * SameDiff's op buffers are native memory freed only when the Java wrappers are collected; the Java heap barely
 * grows meanwhile, so without a collection every step takes fresh pages from the kernel (page faults cost
 * 3-5x the step on virtual machines; measured: MiniLM LoRA step 3.5 s → 1.1 s). Training and evaluation loops
 * call this once per batch.
 */
public final class NativeMemory {

    private NativeMemory() {
    }

    public static void releaseUnreachable() {
        System.gc();
    }
}
