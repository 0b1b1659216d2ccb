package io.prism.engine.nn;

import java.util.List;

/**
 * Shape of Prism's compact conditional UNet, stored in model.json.
 *
 * @param inChannels        channels of concat(image latent, noisy target latent)
 * @param outChannels       channels of the prediction (= target latent channels)
 * @param channels          channels per resolution level, e.g. [32, 64, 64]; each level after the first halves H, W
 * @param resBlocksPerLevel ResNet blocks per level on the way down (up: one more, as in SD)
 * @param groups            GroupNorm groups (every entry of channels must divide by it)
 * @param timeFeatures      sinusoidal feature dimension of the timestep
 * @param timeEmbedDim      width of the timestep embedding MLP
 */
public record UNetConfig(int inChannels, int outChannels, List<Integer> channels, int resBlocksPerLevel, int groups,
                         int timeFeatures, int timeEmbedDim) {

    public UNetConfig {
        if (inChannels < 1 || outChannels < 1) throw new IllegalArgumentException("channel counts must be positive");
        if (channels == null || channels.isEmpty()) throw new IllegalArgumentException("channels must not be empty");
        for (int c : channels) {
            if (c % groups != 0) throw new IllegalArgumentException("level width " + c + " not divisible by " + groups + " groups");
        }
        if (resBlocksPerLevel < 1) throw new IllegalArgumentException("resBlocksPerLevel must be >= 1");
        channels = List.copyOf(channels);
    }

    /** H and W of the UNet input must divide by this (one halving per level after the first). */
    public int spatialMultiple() {
        return 1 << (channels.size() - 1);
    }

    public UNetConfig withInChannels(int in) {
        return new UNetConfig(in, outChannels, channels, resBlocksPerLevel, groups, timeFeatures, timeEmbedDim);
    }
}
