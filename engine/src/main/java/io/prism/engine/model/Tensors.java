package io.prism.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** NDArray helpers. */
public final class Tensors {
    private Tensors() {}

    /**
     * Overwrites {@code dst} in place with {@code values} (same element count). DJL's {@code NDArray.set} on
     * PyTorch swaps in a non-owning, read-only storage, which later breaks autograd's in-place gradient
     * accumulation; in-place arithmetic keeps the tensor's own storage.
     */
    public static void assign(NDArray dst, float[] values) {
        if (values.length != dst.size()) {
            throw new IllegalArgumentException(values.length + " values for a tensor of shape " + dst.getShape());
        }
        // an in-place write into a parameter must not be recorded by autograd (PyTorch refuses it on a grad-mode thread)
        boolean grad = io.prism.engine.Engines.gradMode(false);
        try (NDManager tmp = dst.getManager().newSubManager()) {
            NDArray src = tmp.create(values, dst.getShape());
            dst.muli(0).addi(src);
        } finally {
            io.prism.engine.Engines.gradMode(grad);
        }
    }

    /** Zeroes {@code dst} in place (finite contents: x − x). */
    public static void zero(NDArray dst) {
        dst.subi(dst);
    }
}
