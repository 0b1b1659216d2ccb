package io.prism.vision.exr;

/**
 * CIE xy coordinates of the RGB primaries and the white point. Pixels are relative to these primaries; without the
 * attribute OpenEXR means {@link #REC709} (the sRGB primaries, D65 white).
 */
public record Chromaticities(float redX, float redY, float greenX, float greenY, float blueX, float blueY,
                             float whiteX, float whiteY) {
    public static final Chromaticities REC709 =
            new Chromaticities(0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f);
}
