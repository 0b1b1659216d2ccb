package io.prism.vision.image;

/**
 * How PNG, TIFF and JPEG files are written. Sample values are display values in [0, 1] (clamped; NaN → 0), scaled
 * to the bit depth and rounded; no transfer function is applied — encode with {@code io.prism.vision.color.Srgb}
 * first when the pixels are scene-linear.
 *
 * @param bitDepth    8 or 16 (PNG, TIFF); JPEG is always 8
 * @param jpegQuality 0..1
 */
public record RasterOptions(int bitDepth, float jpegQuality) {
    public static final RasterOptions DEFAULT = new RasterOptions(8, 0.92f);
    public static final RasterOptions SIXTEEN_BIT = new RasterOptions(16, 0.92f);

    public RasterOptions {
        if (bitDepth != 8 && bitDepth != 16) throw new IllegalArgumentException("bit depth must be 8 or 16: " + bitDepth);
        if (!(jpegQuality >= 0 && jpegQuality <= 1)) throw new IllegalArgumentException("JPEG quality must be in [0,1]");
    }
}
