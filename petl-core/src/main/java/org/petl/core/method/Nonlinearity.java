package org.petl.core.method;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** The nonlinearity between down- and up-projection (functional form). SOFTMAX normalises over the last axis. */
public enum Nonlinearity {
    RELU, TANH, IDENTITY, SOFTMAX, GELU;

    public SDVariable apply(SameDiff sd, SDVariable x) {
        return switch (this) {
            case RELU -> sd.nn.relu(x, 0);
            case TANH -> sd.math.tanh(x);
            case IDENTITY -> x;
            case SOFTMAX -> sd.nn.softmax(x, x.getShape() == null ? -1 : x.getShape().length - 1);
            case GELU -> x.mul(0.5).mul(sd.math.erf(x.mul(1.0 / Math.sqrt(2.0))).add(1.0));
        };
    }

    public static Nonlinearity parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MethodSpecException("unknown nonlinearity '" + s + "' (relu, tanh, identity, softmax, gelu)");
        }
    }
}
