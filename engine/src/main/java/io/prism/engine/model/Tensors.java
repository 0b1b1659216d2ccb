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

    /**
     * A 0-d tensor holding {@code value} in {@code like}'s dtype, device and manager, in memory libtorch owns
     * ({@code torch::full}). Use it instead of DJL's Number overloads ({@code x.mul(0.5f)}, {@code div}, {@code pow}) on
     * anything autograd differentiates: those wrap the number in a tensor over a Java direct buffer and close it right
     * after the op, but mul/div/pow save that operand for the backward pass, which then reads memory the garbage
     * collector may already have freed (intermittent NaN or huge gradients).
     */
    public static NDArray scalar(NDArray like, float value) {
        return like.getManager().full(new ai.djl.ndarray.types.Shape(), value, like.getDataType());
    }

    /** Zeroes {@code dst} in place (finite contents: x − x). */
    public static void zero(NDArray dst) {
        dst.subi(dst);
    }
}
