package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

/**
 * Scene-linear render → sRGB display values in [0, 1]: exposure, tone map, sRGB encoding. This is how a linear EXR
 * beauty becomes the sRGB input the models expect, and how previews are made. Alpha is unpremultiplied first when
 * present (display formats store straight alpha) and kept as is.
 */
public record DisplayTransform(double exposureStops, ToneMap toneMap) {
    /** No exposure change, ACES-fitted tone map. */
    public static final DisplayTransform DEFAULT = new DisplayTransform(0, ToneMap.ACES_FITTED);

    public FloatImage apply(FloatImage linear) {
        FloatImage img = Alpha.hasAlpha(linear) ? Alpha.unpremultiply(linear) : linear;
        if (exposureStops != 0) img = Exposure.apply(img, exposureStops);
        img = toneMap.apply(img);
        FloatImage out = Srgb.encode(img);
        for (int c = 0; c < out.channelCount(); c++) {
            if (ColorChannels.isAlpha(out.channels().get(c))) {
                float[] p = out.planes()[c];
                for (int i = 0; i < p.length; i++) p[i] = Math.max(0f, Math.min(1f, p[i]));
            }
        }
        return out;
    }
}
