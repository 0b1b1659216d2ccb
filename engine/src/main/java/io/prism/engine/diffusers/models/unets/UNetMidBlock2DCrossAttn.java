package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.ResnetBlock2D;
import io.prism.engine.diffusers.nn.Functional;

/**
 * diffusers' UNetMidBlock2DCrossAttn (unet_2d_blocks.py) with its one layer: resnet → Transformer2DModel → resnet at
 * the lowest resolution; the resnets divide by {@code mid_block_scale_factor}.
 */
public final class UNetMidBlock2DCrossAttn {
    private final Transformer2DModel attention;   // attentions.0
    private final ResnetBlock2D resnet0;
    private final ResnetBlock2D resnet1;
    private final int channels;
    private final int temb;

    public UNetMidBlock2DCrossAttn(StateDict sd, String prefix, int channels, int tembChannels, int transformerLayers,
                                   float resnetEps, int resnetGroups, float outputScaleFactor, int heads,
                                   int crossAttentionDim, boolean useLinearProjection) {
        this.channels = channels;
        this.temb = tembChannels;
        // diffusers registers attentions before resnets (state_dict order)
        attention = new Transformer2DModel(sd, prefix + ".attentions.0", heads, channels, transformerLayers, crossAttentionDim,
                resnetGroups, useLinearProjection, false);
        resnet0 = new ResnetBlock2D(sd, prefix + ".resnets.0", channels, channels, tembChannels, resnetGroups, resnetEps, outputScaleFactor);
        resnet1 = new ResnetBlock2D(sd, prefix + ".resnets.1", channels, channels, tembChannels, resnetGroups, resnetEps, outputScaleFactor);
    }

    /** h (N, C, H, W) → same shape. */
    public NDArray forward(NDArray h, NDArray temb, NDArray context) {
        h = Functional.scoped(new NDList(h, temb), l -> resnet0.forward(l.get(0), l.get(1)));
        h = Functional.scoped(new NDList(h, context), l -> attention.forward(l.get(0), l.get(1)));
        return Functional.scoped(new NDList(h, temb), l -> resnet1.forward(l.get(0), l.get(1)));
    }

    double flops(long h, long w, long textTokens) {
        return 2 * Flops.resnet(channels, channels, temb, h, w) + attention.flops(h, w, textTokens);
    }
}
