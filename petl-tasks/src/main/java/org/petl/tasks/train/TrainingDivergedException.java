package org.petl.tasks.train;

import java.nio.file.Path;
import java.util.Optional;

/** The loss became NaN or infinite; the message names the step and the checkpoint to resume from. */
public class TrainingDivergedException extends RuntimeException {

    private final long step;
    private final double loss;
    private final transient Path lastGoodCheckpoint;

    public TrainingDivergedException(long step, double loss, Path lastGoodCheckpoint) {
        super("loss became " + describe(loss) + " at step " + step + "; "
                + (lastGoodCheckpoint == null ? "no checkpoint has been written yet" : "the last good checkpoint is " + lastGoodCheckpoint));
        this.step = step;
        this.loss = loss;
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    /** Throws when {@code loss} is NaN or infinite; {@code lastGoodCheckpoint} may be null. */
    public static void check(double loss, long step, Path lastGoodCheckpoint) {
        if (!Double.isFinite(loss)) throw new TrainingDivergedException(step, loss, lastGoodCheckpoint);
    }

    public long step() {
        return step;
    }

    public double loss() {
        return loss;
    }

    public Optional<Path> lastGoodCheckpoint() {
        return Optional.ofNullable(lastGoodCheckpoint);
    }

    private static String describe(double x) {
        return Double.isNaN(x) ? "NaN" : x > 0 ? "+Infinity" : "-Infinity";
    }
}
