package org.petl.tasks.train;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reseeds ND4J's RNG right before each random op from (micro-step seed, op name). Seeding once per micro-step is
 * not enough: SameDiff's execution order of independent ops differs between two instances of the same graph, so
 * which dropout gets which draws would too, and a resumed run (a fresh graph) would not repeat its masks.
 */
final class DropoutSeeder extends BaseListener {

    private long stepSeed;
    long calls;

    void seed(long s) {
        stepSeed = s;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        if (op.getOp() instanceof org.nd4j.linalg.api.ops.random.custom.DistributionUniform
                || op.getOp() instanceof org.nd4j.linalg.api.ops.RandomOp) {
            Nd4j.getRandom().setSeed(new RunRng(stepSeed ^ (op.getName().hashCode() * 0x9E3779B97F4A7C15L)).nextLong());
            // the op context may already hold RNG states copied earlier; give it the fresh ones
            if (opContext != null) opContext.setRngStates(Nd4j.getRandom().rootState(), Nd4j.getRandom().nodeState());
            calls++;
        }
    }
}
