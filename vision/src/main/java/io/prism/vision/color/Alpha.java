package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

/**
 * Premultiplied ↔ straight alpha. OpenEXR stores colour premultiplied by alpha; PNG/TIFF/JPEG and most image models
 * expect straight colour. Each colour channel pairs with its layer's alpha ({@code albedo.A} for {@code albedo.R}),
 * else the top-level {@code A}; colour channels without any alpha are copied unchanged.
 * <p>
 * Unpremultiplying where alpha is 0 leaves the colour as it is (usually 0; a non-zero value there is emission
 * without coverage, which dividing would turn into infinity).
 */
public final class Alpha {
    private Alpha() {
    }

    public static boolean hasAlpha(FloatImage img) {
        for (String c : img.channels()) if (ColorChannels.isAlpha(c)) return true;
        return false;
    }

    public static FloatImage premultiply(FloatImage straight) {
        FloatImage out = straight.copy();
        for (int c : ColorChannels.colorIndices(out)) {
            int a = ColorChannels.alphaFor(out, out.channels().get(c));
            if (a < 0) continue;
            float[] p = out.planes()[c];
            float[] al = out.planes()[a];
            for (int i = 0; i < p.length; i++) p[i] *= al[i];
        }
        return out;
    }

    public static FloatImage unpremultiply(FloatImage premultiplied) {
        FloatImage out = premultiplied.copy();
        for (int c : ColorChannels.colorIndices(out)) {
            int a = ColorChannels.alphaFor(out, out.channels().get(c));
            if (a < 0) continue;
            float[] p = out.planes()[c];
            float[] al = out.planes()[a];
            for (int i = 0; i < p.length; i++) {
                if (al[i] != 0) p[i] /= al[i];
            }
        }
        return out;
    }
}
