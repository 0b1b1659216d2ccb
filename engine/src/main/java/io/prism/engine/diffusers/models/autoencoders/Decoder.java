package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;
import io.prism.engine.diffusers.nn.GroupNorm;

import java.util.function.BiConsumer;

import static io.prism.engine.diffusers.nn.Functional.silu;

/**
 * diffusers' VAE Decoder (autoencoders/vae.py, norm_type "group"): conv_in → UNetMidBlock2D → one UpDecoderBlock2D
 * per level from the widest to the narrowest (layers_per_block + 1 resnets, nearest ×2 + conv on all but the last) →
 * GroupNorm → SiLU → conv_out. GroupNorm eps 1e-6 throughout.
 */
public final class Decoder {
    private final String prefix;
    private final Conv2d convIn;
    private final UNetMidBlock2D midBlock;
    private final UpDecoderBlock2D[] upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    public Decoder(StateDict sd, String prefix, int inChannels, int outChannels, int[] blockOutChannels, int layersPerBlock,
                   int normNumGroups, boolean midBlockAddAttention) {
        this.prefix = prefix;
        int levels = blockOutChannels.length, top = blockOutChannels[levels - 1];
        float eps = Encoder.EPS;
        convIn = new Conv2d(sd, prefix + ".conv_in", inChannels, top, 3, 1, 1);
        midBlock = new UNetMidBlock2D(sd, prefix + ".mid_block", top, eps, normNumGroups, top, midBlockAddAttention);
        upBlocks = new UpDecoderBlock2D[levels];
        for (int i = 0; i < levels; i++) {
            int in = blockOutChannels[levels - 1 - Math.max(0, i - 1)], out = blockOutChannels[levels - 1 - i];   // reversed widths
            upBlocks[i] = new UpDecoderBlock2D(sd, prefix + ".up_blocks." + i, in, out, layersPerBlock + 1, eps, normNumGroups,
                    i < levels - 1);
        }
        convNormOut = new GroupNorm(sd, prefix + ".conv_norm_out", normNumGroups, blockOutChannels[0], eps);
        convOut = new Conv2d(sd, prefix + ".conv_out", blockOutChannels[0], outChannels, 3, 1, 1);
    }

    /**
     * (N, in, h, w) → (N, out, h·f, w·f) with f = 2^(levels − 1).
     *
     * @param intermediates null, or shown each block's output by its diffusers module name (e.g. "decoder.up_blocks.1")
     */
    public NDArray forward(NDArray sample, BiConsumer<String, NDArray> intermediates) {
        Chain h = new Chain(sample).then(convIn::forward).record(intermediates, prefix + ".conv_in");
        h.then(midBlock::forward).record(intermediates, prefix + ".mid_block");
        for (int i = 0; i < upBlocks.length; i++) {
            h.then(upBlocks[i]::forward).record(intermediates, prefix + ".up_blocks." + i);
        }
        return h.then(x -> convOut.forward(silu(convNormOut.forward(x)))).record(intermediates, prefix + ".conv_out").result();
    }
}
