package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.Attention;
import io.prism.engine.diffusers.models.ResnetBlock2D;

/**
 * diffusers' UNetMidBlock2D (unet_2d_blocks.py) as the VAE builds it (one layer, no time embedding): resnet →
 * spatial self-attention → resnet. The attention ({@code attentions.0}) has {@code channels / attention_head_dim}
 * heads (the VAE passes head dim = channels: one head, scale 1/√C), its own GroupNorm with the resnets' groups and
 * epsilon, q/k/v with bias, and adds its input back. With {@code add_attention} false the two resnets follow directly.
 */
public final class UNetMidBlock2D {
    private final ResnetBlock2D resnet0;
    private final Attention attention;
    private final ResnetBlock2D resnet1;

    public UNetMidBlock2D(StateDict sd, String prefix, int channels, float resnetEps, int resnetGroups, int attentionHeadDim,
                          boolean addAttention) {
        resnet0 = new ResnetBlock2D(sd, prefix + ".resnets.0", channels, channels, 0, resnetGroups, resnetEps, 1f);
        attention = addAttention
                ? new Attention(sd, prefix + ".attentions.0", channels, channels, channels / attentionHeadDim, attentionHeadDim, true,
                        resnetGroups, resnetEps, true, 1f)
                : null;
        resnet1 = new ResnetBlock2D(sd, prefix + ".resnets.1", channels, channels, 0, resnetGroups, resnetEps, 1f);
    }

    /** (N, C, H, W) → same shape. */
    public NDArray forward(NDArray x) {
        Chain h = new Chain(x).then(in -> resnet0.forward(in, null));
        if (attention != null) h.then(in -> attention.forward(in, null));
        return h.then(in -> resnet1.forward(in, null)).result();
    }
}
