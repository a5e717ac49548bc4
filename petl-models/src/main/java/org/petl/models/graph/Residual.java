package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;

import java.util.function.UnaryOperator;

/**
 * A sub-layer inside its residual connection, the LayerNorm after the residual (post-LN: {@code LN(h + f(h))})
 * or at the sub-layer's input (pre-LN: {@code h + f(LN(h))}). Sites: residual (h, the stream entering) and input
 * (what f computes on: h, or LN(h)).
 */
public final class Residual {

    private Residual() {
    }

    /** @param body the sub-layer, from its input site to its output site (before the residual) */
    public static SDVariable wrap(ModelGraph g, Site module, SDVariable h, UnaryOperator<SDVariable> body) {
        SDVariable residual = g.site(module.at(Point.RESIDUAL), h);
        String ln = g.names().norm(module);
        String base = module.at(Point.OUTPUT).name();
        return switch (g.description().norm()) {
            case POST -> {
                SDVariable out = g.site(module.at(Point.DROPPED), g.dropout(base + ".dropout", body.apply(g.site(module.at(Point.INPUT), residual)), g.options().hiddenDropout()));
                yield g.layerNorm(base + ".residual_ln", org.petl.core.site.SplitGradientAdd.same(g.sameDiff(), null, out, residual), ln);
            }
            case PRE -> {
                SDVariable x = g.site(module.at(Point.INPUT), g.layerNorm(base + ".input_ln", residual, ln));
                SDVariable out = g.site(module.at(Point.DROPPED), g.dropout(base + ".dropout", body.apply(x), g.options().hiddenDropout()));
                yield org.petl.core.site.SplitGradientAdd.same(g.sameDiff(), base + ".residual", out, residual);
            }
        };
    }
}
