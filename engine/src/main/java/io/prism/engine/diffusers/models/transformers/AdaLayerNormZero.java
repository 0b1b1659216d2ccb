package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import static io.prism.engine.diffusers.nn.Functional.silu;

/**
 * diffusers' AdaLayerNormZero (normalization.py), adaLN-Zero of the MMDiT blocks: Linear(SiLU(temb)) gives six
 * per-sample vectors in the order shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp; the first two
 * modulate LayerNorm(x) (no affine, eps 1e-6), the rest are handed to the block.
 */
public final class AdaLayerNormZero {
    static final float EPS = 1e-6f;
    private final Linear linear;

    public AdaLayerNormZero(StateDict sd, String prefix, int dim) {
        linear = new Linear(sd, prefix + ".linear", dim, 6 * dim, true);
    }

    /** x (N, L, D), temb (N, D) → [modulated x (N, L, D), gate_msa, shift_mlp, scale_mlp, gate_mlp (N, D)]. */
    public NDList forward(NDArray x, NDArray temb) {
        NDList c = linear.forward(silu(temb)).split(6, 1);
        NDArray modulated = Modulation.modulate(Modulation.layerNorm(x, EPS), c.get(1), c.get(0));
        return new NDList(modulated, c.get(2), c.get(3), c.get(4), c.get(5));
    }
}
