package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

/**
 * Simple global tone maps that bring scene-linear HDR colour into display-linear [0, 1], applied per colour
 * channel (alpha and data untouched). Encode with {@link Srgb} afterwards for display or for a model trained on
 * sRGB images.
 * <ul>
 *   <li>{@link #CLAMP}: clip to [0, 1] (no compression: for LDR content).</li>
 *   <li>{@link #REINHARD}: {@code x / (1 + x)} (Reinhard et al. 2002, simple global operator): never clips,
 *       mid-grey 0.18 → 0.15, quite flat.</li>
 *   <li>{@link #ACES_FITTED}: Narkowicz's 2015 rational fit of the ACES reference rendering + sRGB output transform,
 *       {@code x(2.51x + 0.03) / (x(2.43x + 0.59) + 0.14)} clipped to [0, 1]: filmic toe and shoulder, the usual
 *       choice for beauty renders.</li>
 * </ul>
 * Negative and NaN inputs map to 0.
 */
public enum ToneMap {
    CLAMP, REINHARD, ACES_FITTED;

    public float apply(float x) {
        if (!(x > 0)) return 0f;
        double v = x;
        double y = switch (this) {
            case CLAMP -> v;
            case REINHARD -> v / (1 + v);
            case ACES_FITTED -> (v * (2.51 * v + 0.03)) / (v * (2.43 * v + 0.59) + 0.14);
        };
        return (float) Math.min(1.0, y);
    }

    /** A copy with the colour channels tone mapped. */
    public FloatImage apply(FloatImage linear) {
        FloatImage out = linear.copy();
        for (int c : ColorChannels.colorIndices(out)) {
            float[] p = out.planes()[c];
            for (int i = 0; i < p.length; i++) p[i] = apply(p[i]);
        }
        return out;
    }
}
