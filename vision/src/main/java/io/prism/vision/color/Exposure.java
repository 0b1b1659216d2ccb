package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

/** Photographic exposure on scene-linear pixels: colour channels scaled by 2^stops (alpha and data untouched). */
public final class Exposure {
    private Exposure() {
    }

    public static FloatImage apply(FloatImage linear, double stops) {
        float k = (float) Math.pow(2, stops);
        FloatImage out = linear.copy();
        for (int c : ColorChannels.colorIndices(out)) {
            float[] p = out.planes()[c];
            for (int i = 0; i < p.length; i++) p[i] *= k;
        }
        return out;
    }
}
