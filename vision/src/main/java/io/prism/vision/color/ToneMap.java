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
 *   <li>{@link #SHOULDER}: the identity up to a knee at 0.8, then an exponential shoulder approaching 1 with a
 *       continuous slope: {@code 0.8 + 0.2(1 − e^{−(x − 0.8)/0.2})}. Mid-tones stay exact and highlights are
 *       compressed, not clipped. The tone curve Prism's models were trained with ({@link InputEncoding#DEFAULT}).</li>
 * </ul>
 * Negative and NaN inputs map to 0.
 */
public enum ToneMap {
    CLAMP, REINHARD, ACES_FITTED, SHOULDER;

    /** Where {@link #SHOULDER} leaves the identity. */
    public static final float KNEE = 0.8f;

    public float apply(float x) {
        if (!(x > 0)) return 0f;
        double v = x;
        double y = switch (this) {
            case CLAMP -> v;
            case REINHARD -> v / (1 + v);
            case ACES_FITTED -> (v * (2.51 * v + 0.03)) / (v * (2.43 * v + 0.59) + 0.14);
            case SHOULDER -> shoulder(x);
        };
        return (float) Math.min(1.0, y);
    }

    /** {@link #SHOULDER} for x > 0, evaluated exactly as the models' training data was (float steps, then double). */
    private static double shoulder(float x) {
        if (x <= KNEE) return x;
        float s = 1 - KNEE;
        return KNEE + s * (1 - Math.exp(-(x - KNEE) / s));
    }

    /** The name used in model settings: lower case, e.g. "aces_fitted", "shoulder". */
    public String settingName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The tone map of a {@link #settingName()} (case-insensitive). */
    public static ToneMap ofSetting(String name) {
        for (ToneMap t : values()) if (t.settingName().equalsIgnoreCase(name == null ? "" : name.trim())) return t;
        throw new IllegalArgumentException("unknown tone map '" + name + "' (clamp, reinhard, aces_fitted, shoulder)");
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
