package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;

/** The position-wise FFN W2 act(W1 x + b1) + b2; sites input (given), hidden_pre, hidden, output. */
public final class FeedForward {

    private FeedForward() {
    }

    public static SDVariable build(ModelGraph g, Site module, SDVariable x) {
        int d = g.hidden(), f = g.description().ffn();
        Site pre = module.at(Point.HIDDEN_PRE), hid = module.at(Point.HIDDEN), out = module.at(Point.OUTPUT);
        SDVariable a = g.register(pre, g.linear(pre.name(), x, g.names().projection(pre), d, f));
        SDVariable b = g.register(hid, Blocks.activation(g.sameDiff(), hid.name(), g.description().activation(), a));
        return g.register(out, g.linear(out.name(), b, g.names().projection(out), f, d));
    }
}
