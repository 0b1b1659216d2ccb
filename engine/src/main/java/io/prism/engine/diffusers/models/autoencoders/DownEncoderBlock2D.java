package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.Downsample2D;
import io.prism.engine.diffusers.models.ResnetBlock2D;

/**
 * diffusers' DownEncoderBlock2D (unet_2d_blocks.py): {@code num_layers} ResnetBlock2D without time embedding, then a
 * Downsample2D ({@code downsamplers.0}) on every level but the last. The VAE encoder passes padding 0: the
 * downsampler pads one zero row/column at the bottom/right only.
 */
public final class DownEncoderBlock2D {
    private final ResnetBlock2D[] resnets;
    private final Downsample2D downsampler;

    public DownEncoderBlock2D(StateDict sd, String prefix, int in, int out, int numLayers, float resnetEps, int resnetGroups,
                              boolean addDownsample, int downsamplePadding) {
        resnets = new ResnetBlock2D[numLayers];
        for (int i = 0; i < numLayers; i++) {
            resnets[i] = new ResnetBlock2D(sd, prefix + ".resnets." + i, i == 0 ? in : out, out, 0, resnetGroups, resnetEps, 1f);
        }
        downsampler = addDownsample ? new Downsample2D(sd, prefix + ".downsamplers.0", out, downsamplePadding) : null;
    }

    /** (N, in, H, W) → (N, out, H/2, W/2), or (N, out, H, W) on the last level. Each layer runs in its own memory scope. */
    public NDArray forward(NDArray x) {
        Chain h = new Chain(x);
        for (ResnetBlock2D resnet : resnets) h.then(in -> resnet.forward(in, null));
        if (downsampler != null) h.then(downsampler::forward);
        return h.result();
    }
}
