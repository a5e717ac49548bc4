package org.petl.tasks.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The training progress line: a me.tongfei progress bar over optimizer steps with loss, tokens/s and ETA. Off when
 * stdout is not a terminal, when {@code PETL_NO_PROGRESS} is set, when {@code CI=true}, or when runs share the
 * console (system property {@code petl.progress=plain}, set by {@code petl compare} with several jobs); then, if a log stream is
 * given, a plain line is printed every {@code logEvery} steps instead so CI logs still show progress.
 */
public final class TrainProgress implements AutoCloseable {

    private final ProgressBar bar;
    private final PrintStream log;
    private final long logEvery, total;
    private final long startNanos = System.nanoTime();
    private final long initialStep;
    private final String task;

    private TrainProgress(String task, ProgressBar bar, PrintStream log, long logEvery, long total, long initialStep) {
        this.task = task.strip();
        this.bar = bar;
        this.log = log;
        this.logEvery = logEvery;
        this.total = total;
        this.initialStep = initialStep;
    }

    /** Whether an interactive bar should be drawn, given the environment and whether a console is attached. */
    public static boolean enabled(Map<String, String> env, boolean hasConsole) {
        if (env.containsKey("PETL_NO_PROGRESS")) return false;
        if ("true".equalsIgnoreCase(env.getOrDefault("CI", ""))) return false;
        return hasConsole;
    }

    /** Decides from the real environment; {@code initialStep} is where a resumed run starts. */
    public static TrainProgress start(String task, long totalSteps, long initialStep, PrintStream log, long logEvery) {
        boolean plain = "plain".equals(System.getProperty("petl.progress"));
        return start(task, totalSteps, initialStep, log, logEvery, !plain && enabled(System.getenv(), System.console() != null));
    }

    public static TrainProgress start(String task, long totalSteps, long initialStep, PrintStream log, long logEvery, boolean interactive) {
        ProgressBar bar = null;
        if (interactive) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500).setUnit(" steps", 1)
                    // a resumed run continues the count; the ETA uses only this session's speed
                    .startsFrom(initialStep, Duration.ZERO).build();
        }
        return new TrainProgress(task, bar, log, Math.max(1, logEvery), totalSteps, initialStep);
    }

    public boolean interactive() {
        return bar != null;
    }

    /** Report the state after optimizer step {@code step} (1-based count of steps done). */
    public void update(long step, double loss, double tokensPerSecond) {
        String msg = String.format(Locale.ROOT, "loss %.4f  %,.0f tok/s", loss, tokensPerSecond);
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(msg);
        } else if (log != null && (step % logEvery == 0 || step == total)) {
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            long done = step - initialStep;
            String eta = done > 0 ? formatDuration((long) (elapsed / done * (total - step))) : "?";
            log.printf(Locale.ROOT, "%s step %d/%d  %s  eta %s%n", task, step, total, msg, eta);
        }
    }

    static String formatDuration(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
