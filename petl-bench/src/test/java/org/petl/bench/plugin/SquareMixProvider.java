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

/**
 * A test plugin whose parameters are square: Δh = x·W + x·G at the attention output, W a Linear weight (saved
 * transposed, as PyTorch's [out, in]) and G a plain [in, out] matrix (saved as is). With d×d shapes nothing but the
 * adapter file's own record can tell the two apart on reload.
 */
public final class SquareMixProvider implements MethodProvider {

    @Override
    public String name() {
        return "sqmix";
    }

    @Override
    public String summary() {
        return "test plugin: x·W + x·G at the attention output, both d×d";
    }

    @Override
    public java.util.List<String> parameters() {
        return java.util.List.of();
    }

    @Override
    public PetlMethod create(Args args) {
        args.finish();
        return PetlMethod.of("sqmix", new Modification.Delta("sqmix", new Mix(), Placement.attention(Point.OUTPUT), Insertion.SEQUENTIAL, new Composition.Add()));
    }

    public record Mix() implements FunctionalForm.Extension {
        @Override
        public Delta build(BuildContext ctx, SDVariable input, int inWidth, int outWidth) {
            SDVariable w = ctx.linearWeight(ctx.scope() + ".mix.weight", ctx.scope() + ".mix.weight", Init.NORMAL, inWidth, outWidth);
            SDVariable g = ctx.param("gain", Init.NORMAL, inWidth, outWidth);
            return Delta.of(input.mmul(w).add(input.mmul(g)));
        }

        @Override
        public long formulaParameters(int inWidth, int outWidth) {
            return 2L * inWidth * outWidth;
        }

        @Override
        public long trainableParameters(int inWidth, int outWidth) {
            return 2L * inWidth * outWidth;
        }

        @Override
        public String describe() {
            return "x·W + x·G (square)";
        }
    }
}
