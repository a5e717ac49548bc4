package org.petl.core.method;

/** Where prefix keys and values come from. */
public sealed interface PrefixSource permits PrefixSource.Direct, PrefixSource.Mlp {

    /**
     * Free [l, d] tables per layer (prefix tuning without reparameterisation; also what is saved).
     *
     * @param fromTokens start the tables from the frozen model's own keys and values of l real tokens (Li & Liang
     *                   2021's initialisation with real words' activations) instead of N(0, 0.02): the prefix then
     *                   starts as extra context the model knows how to attend to, not as l near-zero keys that take
     *                   attention mass and return nothing. The caller computes them with {@link PrefixActivations}.
     */
    record Direct(boolean fromTokens) implements PrefixSource {
        public Direct() {
            this(false);
        }
    }

    /**
     * Li & Liang's reparameterisation, one generator per attention type: Embedding(l, d) → Linear(d, mid) → tanh →
     * Linear(mid, 2·layers·d); row j holds [layer0 key | layer0 value | layer1 key | ...]. Collapsed to Direct
     * tables when saved.
     */
    record Mlp(int mid) implements PrefixSource {
        public Mlp {
            if (mid <= 0) throw new MethodSpecException("prefix MLP width mid must be positive, got " + mid);
        }
    }
}
