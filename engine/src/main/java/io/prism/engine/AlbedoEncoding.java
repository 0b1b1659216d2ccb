package io.prism.engine;

import io.prism.vision.color.InputEncoding;
import io.prism.vision.color.Srgb;
import io.prism.vision.image.FloatImage;

import java.util.List;

/**
 * The albedo layer's encoding: Prism's albedo results are sRGB-encoded Rec.709 in [0, 1], as Marigold-IID predicts
 * albedo. Linear ground-truth albedo AOVs are compared and trained on after {@link #toSrgb}; EXR results are written
 * linear ({@link #toLinear}). The model's <em>input</em> encoding is vision's {@link InputEncoding}, declared per model.
 */
public final class AlbedoEncoding {
    private AlbedoEncoding() {}

    /** Linear albedo (R, G, B in the working space) → sRGB-encoded in [0, 1] (clamped: albedo has no highlights to keep). */
    public static FloatImage toSrgb(FloatImage linear) {
        FloatImage rgb = InputEncoding.requireFinite(InputEncoding.colour(linear, "albedo"), "albedo");
        float[][] out = new float[3][];
        for (int c = 0; c < 3; c++) {
            float[] p = rgb.planes()[c];
            float[] o = new float[p.length];
            for (int i = 0; i < p.length; i++) o[i] = Srgb.encode(Math.min(1f, Math.max(0f, p[i])));
            out[c] = o;
        }
        return new FloatImage(rgb.width(), rgb.height(), List.of("R", "G", "B"), out);
    }

    /** sRGB-encoded albedo → linear, every channel (for writing a linear EXR layer). */
    public static FloatImage toLinear(FloatImage srgb) {
        float[][] out = new float[srgb.channelCount()][];
        for (int c = 0; c < srgb.channelCount(); c++) {
            float[] p = srgb.planes()[c];
            float[] o = new float[p.length];
            for (int i = 0; i < p.length; i++) o[i] = Srgb.decode(p[i]);
            out[c] = o;
        }
        return new FloatImage(srgb.width(), srgb.height(), srgb.channels(), out);
    }
}
