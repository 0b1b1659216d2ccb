package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.ResnetBlock2D;
import io.prism.engine.diffusers.models.Upsample2D;

/**
 * diffusers' UpDecoderBlock2D (unet_2d_blocks.py): {@code num_layers} ResnetBlock2D without time embedding (the VAE
 * decoder uses layers_per_block + 1), then nearest ×2 + conv3×3 ({@code upsamplers.0}) on every level but the last.
 * No skip connections: unlike the UNet's up blocks, the decoder sees only the latent.
 */
public final class UpDecoderBlock2D {
    private final ResnetBlock2D[] resnets;
    private final Upsample2D upsampler;

    public UpDecoderBlock2D(StateDict sd, String prefix, int in, int out, int numLayers, float resnetEps, int resnetGroups,
                            boolean addUpsample) {
        resnets = new ResnetBlock2D[numLayers];
        for (int i = 0; i < numLayers; i++) {
            resnets[i] = new ResnetBlock2D(sd, prefix + ".resnets." + i, i == 0 ? in : out, out, 0, resnetGroups, resnetEps, 1f);
        }
        upsampler = addUpsample ? new Upsample2D(sd, prefix + ".upsamplers.0", out) : null;
    }

    /** (N, in, H, W) → (N, out, 2H, 2W), or (N, out, H, W) on the last level. Each layer runs in its own memory scope. */
    public NDArray forward(NDArray x) {
        Chain h = new Chain(x);
        for (ResnetBlock2D resnet : resnets) h.then(in -> resnet.forward(in, null));
        if (upsampler != null) h.then(in -> upsampler.forward(in, null));
        return h.result();
    }
}
