package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The two ops every adaptive norm of the MMDiT shares: LayerNorm without affine parameters (DJL's layer norm needs
 * explicit ones/zeros, see shared/notes/djl-ops-for-diffusion.md) and the per-sample modulation x·(1 + scale) + shift.
 */
final class Modulation {
    private Modulation() {}

    /** nn.LayerNorm(dim, elementwise_affine=False, eps) over the last dimension of (N, L, D). */
    static NDArray layerNorm(NDArray x, float eps) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        NDArray ones = x.getManager().ones(new Shape(d), x.getDataType());
        NDArray zeros = x.getManager().zeros(new Shape(d), x.getDataType());
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(d), ones, zeros, eps).singletonOrThrow();
    }

    /** x (N, L, D) · (1 + scale (N, D)) + shift (N, D), the conditioning broadcast over the tokens. */
    static NDArray modulate(NDArray x, NDArray scale, NDArray shift) {
        return x.mul(scale.add(1).expandDims(1)).add(shift.expandDims(1));
    }
}
