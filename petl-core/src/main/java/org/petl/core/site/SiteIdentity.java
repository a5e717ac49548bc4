package org.petl.core.site;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;

/**
 * The named copy that marks a site in the graph (the rewriter's anchor), whose gradient is the output's gradient
 * itself. SameDiff's {@link Identity} differentiates to another identity op, a copy of the gradient per site (about
 * 50 per MiniLM training step). Forward and results are those of the native "identity" op; registered under its
 * own name (see {@link OpAliases}) so that SameDiff's copy of the graph for the gradient function keeps this
 * {@code doDiff}.
 */
public final class SiteIdentity extends Identity {

    public static final String OP_NAME = "petl_site";

    /** Whether ND4J accepted the registration; false means plain identities are built. */
    public static final boolean AVAILABLE = OpAliases.register(OP_NAME, "identity", SiteIdentity.class, Identity.class);

    public SiteIdentity(SameDiff sd, SDVariable x) {
        super(sd, x);
    }

    /** Used by SameDiff when it recreates the op (gradient function, serialisation). */
    public SiteIdentity() {
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        return List.of(gradients.get(0));
    }

    /** "identity" has no properties; the default looks for a descriptor under this alias and finds none. */
    @Override
    public Map<String, Object> propertiesForFunction() {
        return Map.of();
    }

    /** {@code x} copied under {@code name}. */
    public static SDVariable of(SameDiff sd, String name, SDVariable x) {
        if (!AVAILABLE || SplitGradientMmul.fusedBackward()) return sd.identity(name, x);
        return new SiteIdentity(sd, x).outputVariable().rename(name);
    }
}
