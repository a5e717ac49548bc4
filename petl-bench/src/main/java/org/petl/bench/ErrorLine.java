package org.petl.bench;

import org.petl.core.io.TextFiles;

/**
 * The one line a failed command prints: the first non-blank message along the cause chain, cut to a readable
 * length. Errors without a message of their own (out of memory, stack overflow) and native-library messages get a
 * sentence that says what happened, never a class name or a library's internals.
 */
final class ErrorLine {

    static final int MAX = 400;

    private ErrorLine() {
    }

    static String of(Throwable ex) {
        Throwable root = ex;
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return "out of memory (" + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB heap): the input or the requested sizes are too large"
                        + " for this machine; use smaller inputs, or raise the heap with JAVA_OPTS=-Xmx...";
            }
            if (t instanceof StackOverflowError) return "the input is nested too deeply to process (stack overflow)";
            if (t.getCause() == t) break;
        }
        String msg = ex.getMessage();
        while ((msg == null || msg.isBlank()) && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            msg = root.getMessage();
        }
        if (msg == null || msg.isBlank()) return "internal error (" + root.getClass().getSimpleName() + "); rerun with -Dpetl.debug=true for details";
        String line = msg.strip().lines().findFirst().orElse("");
        if (looksNative(line)) return "the numeric backend failed (" + TextFiles.quote(line, 120) + "); rerun with -Dpetl.debug=true for details";
        return TextFiles.quote(line, MAX);
    }

    /** ND4J/JavaCPP internals that mean nothing to a user. */
    private static boolean looksNative(String line) {
        return line.contains("org.nd4j") || line.contains("org.bytedeco") || line.contains("libnd4j") || line.contains("JavaCPP")
                || line.startsWith("Op [") || line.contains("NativeOps") || line.contains("Cannot invoke \"");
    }
}
