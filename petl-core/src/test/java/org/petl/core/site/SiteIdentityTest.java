package org.petl.core.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A site's identity passes the gradient through: the same gradients as SameDiff's identity, no identity op behind. */
class SiteIdentityTest {

    /** loss = Σ site(tanh(x·W))² + Σ site(x·W): the site read twice, once through a nonlinearity. */
    private static SameDiff graph(INDArray w, boolean site) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        SDVariable wv = sd.var("W", w);
        SDVariable h = x.mmul(wv);
        SDVariable s = site ? SiteIdentity.of(sd, "site", h) : sd.identity("site", h);
        SDVariable t = sd.math.tanh(s);
        sd.setLossVariables(t.mul(t).sum().add(s.sum()).rename("loss"));
        return sd;
    }

    @Test
    void gradientPassesThrough() {
        assertTrue(SiteIdentity.AVAILABLE, "the op alias must register with this ND4J");
        INDArray w = Nd4j.createFromArray(new double[][]{{0.3, -1.2}, {0.8, 0.1}, {-0.5, 0.7}});
        Map<String, INDArray> in = Map.of("x", Nd4j.createFromArray(new double[][]{{1, 2, -1}, {0.5, -0.3, 2}}));
        SameDiff a = graph(w.dup(), true), b = graph(w.dup(), false);
        assertEquals(b.output(in, "loss").get("loss").getDouble(0), a.output(in, "loss").get("loss").getDouble(0), 0.0);
        INDArray ga = a.calculateGradients(in, List.of("W")).get("W"), gb = b.calculateGradients(in, List.of("W")).get("W");
        assertTrue(gb.equalsWithEps(ga, 1e-12), ga + " vs " + gb);
        long identities = Arrays.stream(a.getFunction("grad").ops()).filter(o -> o.opName().equals("identity")).count();
        assertEquals(0, identities, "no identity op in the gradient of a site");
        assertTrue(Arrays.stream(b.getFunction("grad").ops()).anyMatch(o -> o.opName().equals("identity")), "SameDiff's identity builds one");
    }
}
