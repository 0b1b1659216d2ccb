package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import static io.prism.engine.diffusers.nn.Functional.silu;

/**
 * diffusers' AdaLayerNormContinuous (normalization.py) as SD3 uses it (layer_norm, no affine, eps 1e-6): the output
 * norm and the last block's context norm. Linear(SiLU(temb)) is chunked into (scale, shift) — the reverse of
 * AdaLayerNormZero's (shift, scale) order.
 */
public final class AdaLayerNormContinuous {
    private final Linear linear;

    public AdaLayerNormContinuous(StateDict sd, String prefix, int dim, int conditioningDim) {
        linear = new Linear(sd, prefix + ".linear", conditioningDim, 2 * dim, true);
    }

    /** x (N, L, D), conditioning (N, conditioningDim) → (N, L, D). */
    public NDArray forward(NDArray x, NDArray conditioning) {
        NDList c = linear.forward(silu(conditioning)).split(2, 1);
        return Modulation.modulate(Modulation.layerNorm(x, AdaLayerNormZero.EPS), c.get(0), c.get(1));
    }
}
