package org.petl.bench.plugin;

import org.nd4j.autodiff.samediff.SDVariable;
import org.petl.core.method.BuildContext;
import org.petl.core.method.Composition;
import org.petl.core.method.FunctionalForm;
import org.petl.core.method.Init;
import org.petl.core.method.Insertion;
import org.petl.core.method.MethodProvider;
import org.petl.core.method.Modification;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Placement;
import org.petl.core.site.Site.Point;

import java.util.List;

/**
 * A third-party method, to prove the SPI: (IA)³ (Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is
 * Better and Cheaper than In-Context Learning") rescales the attention keys and values and the FFN hidden state
 * by learned vectors, h' = h ⊙ l, with l initialised to ones. It needs a form and a composition petl does not
 * ship (a bare vector, and a product instead of a sum), so it uses both extension points. Registered through
 * META-INF/services in this module's test resources only.
 */
public final class Ia3Provider implements MethodProvider {

    @Override
    public String name() {
        return "ia3";
    }

    @Override
    public String summary() {
        return "Liu et al. 2022 (IA)³: learned vectors rescale K, V and the FFN hidden state, h ⊙ l (test plugin)";
    }

    @Override
    public List<String> parameters() {
        return List.of("layers=all");
    }

    @Override
    public PetlMethod create(Args args) {
        List<Integer> layers = args.layers();
        args.finish();
        String spec = args.raw().isEmpty() ? "ia3" : "ia3:layers=" + args.raw().get("layers");
        return PetlMethod.of(spec,
                new Modification.Delta("ia3_attn", new ScaleVector(), Placement.attention(Point.K, Point.V).withLayers(layers),
                        Insertion.SEQUENTIAL, new Rescale()),
                new Modification.Delta("ia3_ffn", new ScaleVector(), Placement.ffn(Point.HIDDEN).withLayers(layers),
                        Insertion.SEQUENTIAL, new Rescale()));
    }

    /** The "Δh" is the learned vector itself; it ignores its input (the composition multiplies it in). */
    public record ScaleVector() implements FunctionalForm.Extension {
        @Override
        public Delta build(BuildContext ctx, SDVariable input, int inWidth, int outWidth) {
            // ones: h ⊙ 1 = h, so the model starts exactly as the base
            return Delta.of(ctx.param("scale", Init.ONES, outWidth));
        }

        @Override
        public long formulaParameters(int inWidth, int outWidth) {
            return outWidth;
        }

        @Override
        public long trainableParameters(int inWidth, int outWidth) {
            return outWidth;
        }

        @Override
        public String describe() {
            return "learned vector l (width of h, init ones)";
        }
    }

    /** h ⊙ l, broadcast over the rows of h [N, width]. */
    public record Rescale() implements Composition.Extension {
        @Override
        public SDVariable compose(BuildContext ctx, SDVariable h, SDVariable delta) {
            return h.mul(delta);
        }

        @Override
        public String describe() {
            return "rescale: h ⊙ l";
        }
    }
}
