package org.petl.core.method;

/** Where prefix keys and values come from. */
public sealed interface PrefixSource permits PrefixSource.Direct, PrefixSource.Mlp {

    /** Free [l, d] tables per layer (prefix tuning without reparameterisation; also what is saved). */
    record Direct() implements PrefixSource {
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
