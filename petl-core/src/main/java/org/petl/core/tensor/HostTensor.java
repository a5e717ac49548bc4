package org.petl.core.tensor;

import java.util.Arrays;

/**
 * A float32 tensor in plain Java memory, row-major: the currency between weight files and SameDiff graphs.
 * Importers produce these under Hugging Face names and layouts (Linear weights [out, in]); model builders
 * turn them into SameDiff variables.
 */
public record HostTensor(long[] shape, float[] data) {

    public HostTensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
    }

    public static HostTensor of(float[] data, long... shape) {
        return new HostTensor(shape.clone(), data);
    }

    public int rank() {
        return shape.length;
    }

    public long size() {
        return data.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** The transpose of a matrix (e.g. ONNX/TF [in, out] to PyTorch [out, in]). */
    public HostTensor transpose2d() {
        if (shape.length != 2) throw new IllegalStateException("transpose2d needs a matrix, shape is " + shapeString());
        int r = (int) shape[0], c = (int) shape[1];
        float[] t = new float[data.length];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) t[j * r + i] = data[i * c + j];
        return new HostTensor(new long[]{c, r}, t);
    }

    public boolean sameShape(long... other) {
        return Arrays.equals(shape, other);
    }
}
