package io.prism.engine.diffusers.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.diffusers.StateDict;

/**
 * diffusers' RMSNorm (normalization.py) with a learnable weight and no bias: x · (mean(x²) + eps)^−½ · w over the last
 * dimension. The mean square is taken in float32 (as diffusers does) so half-precision inputs do not lose the variance;
 * the result is cast back to the weight's dtype before the weight is applied. DJL has no RMSNorm.
 */
public final class RMSNorm {
    private final NDArray weight;   // (dim)
    private final float eps;

    public RMSNorm(StateDict sd, String prefix, int dim, float eps) {
        this.weight = sd.get(prefix + ".weight", dim);
        this.eps = eps;
    }

    /** (…, dim) → same shape. */
    public NDArray forward(NDArray x) {
        NDArray x32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray variance = x32.square().mean(new int[] {-1}, true);
        NDArray normed = x32.div(variance.add(io.prism.engine.model.Tensors.scalar(variance, eps)).sqrt());   // no Number operands: see Tensors.scalar
        if (normed.getDataType() != weight.getDataType()) normed = normed.toType(weight.getDataType(), false);
        return normed.mul(weight);
    }
}
