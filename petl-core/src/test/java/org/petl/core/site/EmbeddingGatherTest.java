package org.petl.core.site;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The lookup's gradient against a one-hot product and against central finite differences (double precision). */
class EmbeddingGatherTest {

    private static final int V = 7, D = 3;

    /** loss = Σ w1 ⊙ table[ids1] + Σ w2 ⊙ table[ids2]²: two lookups of one table, repeated ids in both. */
    private static SameDiff graph(INDArray table, boolean oneHot) {
        SameDiff sd = SameDiff.create();
        SDVariable t = sd.var("table", table);
        SDVariable ids1 = sd.placeHolder("ids1", DataType.INT, -1);
        SDVariable ids2 = sd.placeHolder("ids2", DataType.INT, -1);
        SDVariable w1 = sd.placeHolder("w1", DataType.DOUBLE, -1, D);
        SDVariable w2 = sd.placeHolder("w2", DataType.DOUBLE, -1, D);
        SDVariable e1 = oneHot ? sd.oneHot(ids1, V).castTo(DataType.DOUBLE).mmul(t) : EmbeddingGather.of(sd, t, ids1, V);
        SDVariable e2 = oneHot ? sd.oneHot(ids2, V).castTo(DataType.DOUBLE).mmul(t) : EmbeddingGather.of(sd, t, ids2, V);
        SDVariable loss = e1.mul(w1).sum().add(e2.mul(e2).mul(w2).sum()).rename("loss");
        sd.setLossVariables(loss);
        return sd;
    }

    private static Map<String, INDArray> inputs(Random r) {
        INDArray ids1 = Nd4j.createFromArray(1, 3, 1, 1, 0, 6);
        INDArray ids2 = Nd4j.createFromArray(3, 3, 2, 5);
        return Map.of("ids1", ids1, "ids2", ids2, "w1", rand(r, 6, D), "w2", rand(r, 4, D));
    }

    private static INDArray rand(Random r, int rows, int cols) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) for (int j = 0; j < cols; j++) row[j] = r.nextGaussian();
        return Nd4j.createFromArray(a);
    }

    @Test
    void gradientAddsRepeatedIdsAndMatchesOneHotAndFiniteDifferences() {
        assertTrue(EmbeddingGather.AVAILABLE, "the op alias must register with this ND4J");
        Random r = new Random(5);
        INDArray table = rand(r, V, D);
        Map<String, INDArray> in = inputs(r);

        SameDiff sd = graph(table.dup(), false);
        INDArray out = sd.output(in, "loss").get("loss");
        INDArray grad = sd.calculateGradients(in, List.of("table")).get("table");
        // the gradient builds again (a second call, and a second graph in the same JVM)
        INDArray again = sd.calculateGradients(in, List.of("table")).get("table");
        SameDiff ref = graph(table.dup(), true);
        INDArray refOut = ref.output(in, "loss").get("loss");
        INDArray refGrad = ref.calculateGradients(in, List.of("table")).get("table");

        assertEquals(refOut.getDouble(0), out.getDouble(0), 1e-12);
        assertArrayEquals(refGrad.toDoubleMatrix(), grad.toDoubleMatrix());
        assertArrayEquals(grad.toDoubleMatrix(), again.toDoubleMatrix());
        // row 4 is never looked up; row 1 three times: its gradient is the sum of three w1 rows
        for (int j = 0; j < D; j++) assertEquals(0.0, grad.getDouble(4, j));
        INDArray w1 = in.get("w1");
        for (int j = 0; j < D; j++) assertEquals(w1.getDouble(0, j) + w1.getDouble(2, j) + w1.getDouble(3, j), grad.getDouble(1, j), 1e-12);

        double h = 1e-6;
        for (int i = 0; i < V; i++) {
            for (int j = 0; j < D; j++) {
                INDArray plus = table.dup(), minus = table.dup();
                plus.putScalar(i, j, table.getDouble(i, j) + h);
                minus.putScalar(i, j, table.getDouble(i, j) - h);
                double fd = (graph(plus, false).output(in, "loss").get("loss").getDouble(0)
                        - graph(minus, false).output(in, "loss").get("loss").getDouble(0)) / (2 * h);
                assertEquals(fd, grad.getDouble(i, j), 1e-6, "d loss / d table[" + i + "," + j + "]");
            }
        }
    }
}
