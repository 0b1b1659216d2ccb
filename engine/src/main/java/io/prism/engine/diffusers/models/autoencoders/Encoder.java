package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;
import io.prism.engine.diffusers.nn.GroupNorm;

import java.util.function.BiConsumer;

import static io.prism.engine.diffusers.nn.Functional.silu;

/**
 * diffusers' VAE Encoder (autoencoders/vae.py): conv_in → one DownEncoderBlock2D per level (downsampling with the
 * asymmetric zero pad on all but the last) → UNetMidBlock2D (single-head attention) → GroupNorm → SiLU → conv_out.
 * With {@code double_z} (AutoencoderKL always) conv_out gives 2·out channels: the posterior's [mean ‖ logvar].
 * Every GroupNorm uses eps 1e-6, as diffusers hard-codes for the VAE.
 */
public final class Encoder {
    static final float EPS = 1e-6f;

    private final String prefix;
    private final Conv2d convIn;
    private final DownEncoderBlock2D[] downBlocks;
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    public Encoder(StateDict sd, String prefix, int inChannels, int outChannels, int[] blockOutChannels, int layersPerBlock,
                   int normNumGroups, boolean doubleZ, boolean midBlockAddAttention) {
        this.prefix = prefix;
        int levels = blockOutChannels.length, top = blockOutChannels[levels - 1];
        convIn = new Conv2d(sd, prefix + ".conv_in", inChannels, blockOutChannels[0], 3, 1, 1);
        downBlocks = new DownEncoderBlock2D[levels];
        for (int i = 0; i < levels; i++) {
            int in = blockOutChannels[Math.max(0, i - 1)], out = blockOutChannels[i];
            downBlocks[i] = new DownEncoderBlock2D(sd, prefix + ".down_blocks." + i, in, out, layersPerBlock, EPS, normNumGroups,
                    i < levels - 1, 0);
        }
        midBlock = new UNetMidBlock2D(sd, prefix + ".mid_block", top, EPS, normNumGroups, top, midBlockAddAttention);
        convNormOut = new GroupNorm(sd, prefix + ".conv_norm_out", normNumGroups, top, EPS);
        convOut = new Conv2d(sd, prefix + ".conv_out", top, doubleZ ? 2 * outChannels : outChannels, 3, 1, 1);
    }

    /**
     * (N, in, H, W) → (N, 2·out, H/f, W/f) with f = 2^(levels − 1).
     *
     * @param intermediates null, or shown each block's output by its diffusers module name (e.g. "encoder.mid_block")
     */
    public NDArray forward(NDArray sample, BiConsumer<String, NDArray> intermediates) {
        Chain h = new Chain(sample).then(convIn::forward).record(intermediates, prefix + ".conv_in");
        for (int i = 0; i < downBlocks.length; i++) {
            h.then(downBlocks[i]::forward).record(intermediates, prefix + ".down_blocks." + i);
        }
        h.then(midBlock::forward).record(intermediates, prefix + ".mid_block");
        return h.then(x -> convOut.forward(silu(convNormOut.forward(x)))).record(intermediates, prefix + ".conv_out").result();
    }
}
