package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import static io.prism.engine.diffusers.nn.Functional.silu;

/**
 * diffusers' SD35AdaLayerNormZeroX (normalization.py), the norm of SD3.5-medium's dual-attention blocks: nine
 * per-sample vectors, AdaLayerNormZero's six followed by shift_msa2, scale_msa2, gate_msa2. The second pair modulates
 * the same LayerNorm(x) separately, as the input of the block's image-only attention {@code attn2}.
 */
public final class SD35AdaLayerNormZeroX {
    private final Linear linear;

    public SD35AdaLayerNormZeroX(StateDict sd, String prefix, int dim) {
        linear = new Linear(sd, prefix + ".linear", dim, 9 * dim, true);
    }

    /**
     * x (N, L, D), temb (N, D) → [modulated x, gate_msa, shift_mlp, scale_mlp, gate_mlp, modulated x for attn2, gate_msa2]
     * (the order of diffusers' return tuple).
     */
    public NDList forward(NDArray x, NDArray temb) {
        NDList c = linear.forward(silu(temb)).split(9, 1);
        NDArray normed = Modulation.layerNorm(x, AdaLayerNormZero.EPS);
        NDArray modulated = Modulation.modulate(normed, c.get(1), c.get(0));
        NDArray modulated2 = Modulation.modulate(normed, c.get(7), c.get(6));
        return new NDList(modulated, c.get(2), c.get(3), c.get(4), c.get(5), modulated2, c.get(8));
    }
}
