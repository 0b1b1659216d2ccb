package io.prism.vision.exr;

/**
 * One entry of a part's channel list. {@code xSampling}/{@code ySampling} greater than 1 mean a subsampled channel
 * (e.g. chroma); {@code pLinear} is a hint that the values are perceptually linear.
 */
public record ExrChannel(String name, PixelType type, boolean pLinear, int xSampling, int ySampling) {
    public ExrChannel(String name, PixelType type) {
        this(name, type, false, 1, 1);
    }

    public boolean subsampled() {
        return xSampling != 1 || ySampling != 1;
    }
}
