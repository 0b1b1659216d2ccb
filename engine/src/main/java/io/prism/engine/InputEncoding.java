package io.prism.engine;

import io.prism.engine.image.ImageOps;
import io.prism.vision.image.FloatImage;

import java.util.List;

/**
 * The one home of "inputs are sRGB": scene-linear beauty (as rendered into EXR) is tone-mapped and
 * sRGB-encoded before inference and training; linear albedo targets are sRGB-encoded (Marigold-IID
 * predicts albedo in sRGB). Tone map: identity up to a knee at 0.8, then an exponential shoulder
 * approaching 1 (continuous slope), so mid-tones stay exact and highlights are compressed, not clipped.
 */
public final class InputEncoding {
    public static final float KNEE = 0.8f;

    private InputEncoding() {}

    /** Linear beauty (R, G, B; any extra channels are ignored) → sRGB-encoded R, G, B in [0, 1]. */
    public static FloatImage beautyToSrgb(FloatImage linear) {
        FloatImage rgb = ImageOps.rgb(linear, "beauty");
        ImageOps.requireFinite(rgb, "beauty");
        float[][] out = new float[3][];
        for (int c = 0; c < 3; c++) {
            float[] p = rgb.planes()[c];
            float[] o = new float[p.length];
            for (int i = 0; i < p.length; i++) o[i] = encode(toneMap(p[i]));
            out[c] = o;
        }
        return new FloatImage(rgb.width(), rgb.height(), List.of("R", "G", "B"), out);
    }

    /** Linear albedo → sRGB-encoded in [0, 1] (clamped; albedo has no highlights to keep). */
    public static FloatImage albedoToSrgb(FloatImage linear) {
        FloatImage rgb = ImageOps.rgb(linear, "albedo");
        ImageOps.requireFinite(rgb, "albedo");
        float[][] out = new float[3][];
        for (int c = 0; c < 3; c++) {
            float[] p = rgb.planes()[c];
            float[] o = new float[p.length];
            for (int i = 0; i < p.length; i++) o[i] = encode(Math.min(1f, Math.max(0f, p[i])));
            out[c] = o;
        }
        return new FloatImage(rgb.width(), rgb.height(), List.of("R", "G", "B"), out);
    }

    /** sRGB-encoded albedo → linear (for writing a linear EXR layer). */
    public static FloatImage srgbToLinear(FloatImage srgb) {
        float[][] out = new float[srgb.channelCount()][];
        for (int c = 0; c < srgb.channelCount(); c++) {
            float[] p = srgb.planes()[c];
            float[] o = new float[p.length];
            for (int i = 0; i < p.length; i++) o[i] = decode(p[i]);
            out[c] = o;
        }
        return new FloatImage(srgb.width(), srgb.height(), srgb.channels(), out);
    }

    public static float toneMap(float v) {
        if (v <= KNEE) return Math.max(0f, v);
        float s = 1 - KNEE;
        return (float) (KNEE + s * (1 - Math.exp(-(v - KNEE) / s)));
    }

    /** The sRGB transfer function (IEC 61966-2-1). */
    /** The sRGB transfer function (vision's {@link io.prism.vision.color.Srgb}), negatives clamped to 0 first. */
    public static float encode(float v) {
        return io.prism.vision.color.Srgb.encode(Math.max(0f, v));
    }

    /** The inverse sRGB transfer function (vision's {@link io.prism.vision.color.Srgb}). */
    public static float decode(float v) {
        return io.prism.vision.color.Srgb.decode(v);
    }
}
