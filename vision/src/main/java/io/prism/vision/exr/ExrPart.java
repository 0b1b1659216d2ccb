package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;

/**
 * One decoded part: its header and the level-0 pixels of its data window. The image is the data window's size (its
 * pixel (0,0) is data-window pixel (minX, minY)); channels are named and ordered as in the file. Subsampled channels
 * (e.g. chroma with 2×2 sampling) are upsampled to full resolution by replicating each sample over the pixels it
 * covers; {@link ExrHeader#channels()} still reports their sampling. UINT samples become floats (exact below 2^24).
 */
public record ExrPart(int index, ExrHeader header, FloatImage image) {
    /** The part's name, or "part N" for an unnamed part. */
    public String label() {
        return header.name() != null ? header.name() : "part " + index;
    }
}
