package io.prism.engine.diffusers.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;

/** torch.nn.LayerNorm over the last dimension, with {@code <prefix>.weight} and {@code .bias} (PyTorch's fused kernel). */
public final class LayerNorm {
    private final NDArray weight;
    private final NDArray bias;
    private final Shape normalized;
    private final float eps;

    public LayerNorm(StateDict sd, String prefix, int dim, float eps) {
        this.weight = sd.get(prefix + ".weight", dim);
        this.bias = sd.get(prefix + ".bias", dim);
        this.normalized = new Shape(dim);
        this.eps = eps;
    }

    /** (…, dim) → same shape. */
    public NDArray forward(NDArray x) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, weight, bias, eps).singletonOrThrow();
    }
}
