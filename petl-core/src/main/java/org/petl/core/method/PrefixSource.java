package org.petl.core.method;

/** Where prefix keys and values come from. */
public sealed interface PrefixSource permits PrefixSource.Direct, PrefixSource.Mlp, PrefixSource.PeftTable {

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

    /**
     * Hugging Face PEFT's PREFIX_TUNING parameterisation: one table {@code prompt_embeddings} [l, 2·L·d] for the
     * whole model, L = PEFT's {@code num_layers} (the config's {@code num_hidden_layers}: the encoder's layer count,
     * BART's included). PEFT views it as [l, 2L, H, d/H] and splits it into past key/value pairs: pair p is columns
     * [2p·d, (2p+1)·d) (keys) and [(2p+1)·d, (2p+2)·d) (values). An encoder's layer i reads pair i. An
     * encoder-decoder (num_transformer_submodules = 2) gets the 2L pairs doubled and split in fours, so decoder
     * layer j reads pair 2j mod L for its self-attention (and pair 2j+1 mod L for the cross-attention, which
     * transformers' BART drops): with even L, layers j and j + L/2 share one table. Nothing else of PEFT's reaches
     * the model, so the prefix sits at every encoder self-attention, or every decoder self-attention.
     */
    record PeftTable() implements PrefixSource {

        /** PEFT's num_layers for this graph. */
        public static int layers(org.petl.core.site.SiteGraph g) {
            return g.layers(org.petl.core.site.Site.Stack.ENCODER);
        }

        /** PEFT's num_transformer_submodules: 2 for encoder-decoders (task SEQ_2_SEQ_LM), else 1. */
        public static int submodules(org.petl.core.site.SiteGraph g) {
            return g.layers(org.petl.core.site.Site.Stack.DECODER) > 0 ? 2 : 1;
        }

        /** The key/value pair of the table that the self-attention of {@code site}'s layer reads. */
        public static int pair(org.petl.core.site.SiteGraph g, org.petl.core.site.Site site) {
            return submodules(g) == 2 ? (2 * site.layer()) % layers(g) : site.layer();
        }

        /** Where PEFT's prefix acts on this graph: the stack whose self-attentions get past_key_values. */
        public static org.petl.core.site.Site.Stack stack(org.petl.core.site.SiteGraph g) {
            return submodules(g) == 2 ? org.petl.core.site.Site.Stack.DECODER : org.petl.core.site.Site.Stack.ENCODER;
        }
    }
}
