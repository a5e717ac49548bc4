package org.petl.core.method;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** How an added parameter starts. Drawn from the rewriter's seeded Random so a run repeats. */
public enum Init {
    ZEROS, ONES,
    /** N(0, 0.02), BERT's initialiser (adapter down-projections, prefixes) */
    NORMAL,
    /** Kaiming-uniform with a = sqrt(5): U(−1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch Linear / LoRA A */
    KAIMING_UNIFORM;

    /** fanIn is the first axis of the [in, out] graph layout. */
    public INDArray create(Random rnd, long... shape) {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] v = new float[n];
        switch (this) {
            case ONES -> java.util.Arrays.fill(v, 1f);
            case NORMAL -> {
                for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * 0.02);
            }
            case KAIMING_UNIFORM -> {
                double bound = 1.0 / Math.sqrt(shape[0]);
                for (int i = 0; i < n; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
            default -> {
            }
        }
        return Nd4j.create(v, shape, 'c');
    }
}
