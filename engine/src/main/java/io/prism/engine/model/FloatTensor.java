package io.prism.engine.model;

import java.util.Arrays;

/** A dense float32 tensor held in Java memory (row-major), the form weights take on disk and between managers. */
public record FloatTensor(long[] shape, float[] data) {
    public FloatTensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    public long size() {
        return data.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
