package io.prism.vision.exr;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CIE xy coordinates of the RGB primaries and the white point. Pixels are relative to these primaries; without the
 * attribute OpenEXR means {@link #REC709} (the sRGB primaries, D65 white). The named spaces are what a model's input
 * encoding may declare as its working primaries ({@link #named}).
 */
public record Chromaticities(float redX, float redY, float greenX, float greenY, float blueX, float blueY,
                             float whiteX, float whiteY) {
    /** ITU-R BT.709 / sRGB primaries, D65. */
    public static final Chromaticities REC709 =
            new Chromaticities(0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f);
    /** ITU-R BT.2020 primaries, D65. */
    public static final Chromaticities REC2020 =
            new Chromaticities(0.708f, 0.292f, 0.170f, 0.797f, 0.131f, 0.046f, 0.3127f, 0.3290f);
    /** DCI-P3 primaries with a D65 white (Display P3). */
    public static final Chromaticities P3_D65 =
            new Chromaticities(0.680f, 0.320f, 0.265f, 0.690f, 0.150f, 0.060f, 0.3127f, 0.3290f);
    /** ACES AP1 (ACEScg), ACES white (≈ D60). */
    public static final Chromaticities ACES_AP1 =
            new Chromaticities(0.713f, 0.293f, 0.165f, 0.830f, 0.128f, 0.044f, 0.32168f, 0.33767f);
    /** ACES AP0 (ACES2065-1), ACES white (≈ D60). */
    public static final Chromaticities ACES_AP0 =
            new Chromaticities(0.7347f, 0.2653f, 0.0f, 1.0f, 0.0001f, -0.0770f, 0.32168f, 0.33767f);

    private static final Map<String, Chromaticities> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put("rec709", REC709);
        NAMED.put("rec2020", REC2020);
        NAMED.put("p3-d65", P3_D65);
        NAMED.put("acescg", ACES_AP1);
        NAMED.put("aces2065-1", ACES_AP0);
    }

    /** A named space: rec709, rec2020, p3-d65, acescg, aces2065-1 (case-insensitive). */
    public static Chromaticities named(String name) {
        Chromaticities c = name == null ? null : NAMED.get(name.trim().toLowerCase(Locale.ROOT));
        if (c == null) {
            throw new IllegalArgumentException("unknown primaries '" + name + "' (known: " + String.join(", ", NAMED.keySet()) + ")");
        }
        return c;
    }
}
