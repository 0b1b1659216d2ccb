package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

/**
 * The sRGB transfer function of IEC 61966-2-1, exactly as specified (piecewise: linear segment of slope 12.92 below
 * 0.0031308 linear / 0.04045 encoded, power 2.4 above), computed in double precision.
 * <p>
 * Values outside [0, 1] are not clipped: above 1 the power law continues (HDR values stay ordered), below 0 the curve
 * is mirrored ({@code f(-x) = -f(x)}), so wide-gamut negatives survive a round trip. NaN stays NaN.
 */
public final class Srgb {
    private Srgb() {
    }

    /** Linear → sRGB-encoded. */
    public static float encode(float linear) {
        double x = linear;
        double a = Math.abs(x);
        double e = a <= 0.0031308 ? a * 12.92 : 1.055 * Math.pow(a, 1 / 2.4) - 0.055;
        return (float) Math.copySign(e, x);
    }

    /** sRGB-encoded → linear. */
    public static float decode(float encoded) {
        double x = encoded;
        double a = Math.abs(x);
        double l = a <= 0.04045 ? a / 12.92 : Math.pow((a + 0.055) / 1.055, 2.4);
        return (float) Math.copySign(l, x);
    }

    /** A copy with the colour channels ({@link ColorChannels#isColor}) encoded; alpha and data channels copied. */
    public static FloatImage encode(FloatImage linear) {
        FloatImage out = linear.copy();
        for (int c : ColorChannels.colorIndices(out)) {
            float[] p = out.planes()[c];
            for (int i = 0; i < p.length; i++) p[i] = encode(p[i]);
        }
        return out;
    }

    /** A copy with the colour channels decoded to linear; alpha and data channels copied. */
    public static FloatImage decode(FloatImage encoded) {
        FloatImage out = encoded.copy();
        for (int c : ColorChannels.colorIndices(out)) {
            float[] p = out.planes()[c];
            for (int i = 0; i < p.length; i++) p[i] = decode(p[i]);
        }
        return out;
    }
}
