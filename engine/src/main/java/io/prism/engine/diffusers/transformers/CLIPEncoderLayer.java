package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.LayerNorm;

/**
 * transformers' CLIPEncoderLayer, pre-LayerNorm: x + self_attn(layer_norm1(x)), then + mlp(layer_norm2(·)).
 * LayerNorm epsilon from the config (1e-5 in every SD text encoder).
 */
public final class CLIPEncoderLayer {
    private final LayerNorm layerNorm1;
    private final CLIPAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final CLIPMLP mlp;

    public CLIPEncoderLayer(StateDict sd, String prefix, CLIPTextConfig config) {
        layerNorm1 = new LayerNorm(sd, prefix + ".layer_norm1", config.hiddenSize(), config.layerNormEps());
        selfAttn = new CLIPAttention(sd, prefix + ".self_attn", config);
        layerNorm2 = new LayerNorm(sd, prefix + ".layer_norm2", config.hiddenSize(), config.layerNormEps());
        mlp = new CLIPMLP(sd, prefix + ".mlp", config);
    }

    /** x (B, L, hidden), causal mask (L, L) → (B, L, hidden). */
    public NDArray forward(NDArray x, NDArray causalMask) {
        NDArray h = x.add(selfAttn.forward(layerNorm1.forward(x), causalMask));
        return h.add(mlp.forward(layerNorm2.forward(h)));
    }
}
