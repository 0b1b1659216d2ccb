package io.prism.vision.color;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Transfer function, exposure, tone maps and alpha handling. */
class ColorTest {

    @Test
    void srgbMatchesIec61966Values() {
        // the two pieces meet at the specified break points
        assertThat(Srgb.encode(0.0031308f)).isCloseTo(0.040449936f, within(1e-7f));
        assertThat(Srgb.decode(0.04045f)).isCloseTo(0.0031308f, within(1e-8f));
        assertThat(Srgb.encode(0f)).isEqualTo(0f);
        assertThat(Srgb.encode(1f)).isCloseTo(1f, within(1e-7f));
        assertThat(Srgb.encode(0.18f)).isCloseTo(0.46135613f, within(1e-7f)); // 18% grey
        assertThat(Srgb.decode(0.5f)).isCloseTo(0.21404114f, within(1e-7f));
        assertThat(Srgb.encode(0.001f)).isCloseTo(0.01292f, within(1e-8f)); // linear segment
        // beyond [0,1]: power law continues, negatives mirror, NaN stays
        assertThat(Srgb.encode(4f)).isGreaterThan(1.5f);
        assertThat(Srgb.encode(-0.18f)).isEqualTo(-Srgb.encode(0.18f));
        assertThat(Float.isNaN(Srgb.encode(Float.NaN))).isTrue();
    }

    @Test
    void srgbRoundTripsAndIsMonotonic() {
        float prev = -1;
        for (int i = 0; i <= 100_000; i++) {
            float x = i / 100_000f * 2;
            float e = Srgb.encode(x);
            assertThat(e).isGreaterThanOrEqualTo(prev);
            prev = e;
            assertThat(Srgb.decode(e)).isCloseTo(x, within(Math.max(1e-7f, x * 2e-6f)));
        }
    }

    @Test
    void imageOperationsTouchOnlyColourChannels() {
        FloatImage img = FloatImage.blank(2, 1, List.of("R", "G", "B", "A", "Z", "albedo.R"));
        for (float[] p : img.planes()) java.util.Arrays.fill(p, 0.5f);
        FloatImage enc = Srgb.encode(img);
        assertThat(enc.plane("R")[0]).isCloseTo(Srgb.encode(0.5f), within(0f));
        assertThat(enc.plane("albedo.R")[0]).isCloseTo(Srgb.encode(0.5f), within(0f));
        assertThat(enc.plane("A")[0]).isEqualTo(0.5f);
        assertThat(enc.plane("Z")[0]).isEqualTo(0.5f);
        assertThat(img.plane("R")[0]).as("input untouched").isEqualTo(0.5f);
        FloatImage exp = Exposure.apply(img, 2);
        assertThat(exp.plane("G")[0]).isEqualTo(2f);
        assertThat(exp.plane("Z")[0]).isEqualTo(0.5f);
    }

    @Test
    void toneMapsCompressHdrIntoUnitRange() {
        assertThat(ToneMap.REINHARD.apply(1f)).isEqualTo(0.5f);
        assertThat(ToneMap.ACES_FITTED.apply(0f)).isEqualTo(0f);
        assertThat(ToneMap.ACES_FITTED.apply(1000f)).isEqualTo(1f);
        assertThat(ToneMap.ACES_FITTED.apply(0.18f)).isCloseTo(0.2667f, within(1e-3f));
        assertThat(ToneMap.CLAMP.apply(3f)).isEqualTo(1f);
        for (ToneMap t : ToneMap.values()) {
            assertThat(t.apply(-1f)).isEqualTo(0f);
            assertThat(t.apply(Float.NaN)).isEqualTo(0f);
            float prev = 0;
            for (int i = 0; i < 10_000; i++) {
                float y = t.apply(i / 100f);
                assertThat(y).isBetween(prev, 1f);
                prev = y;
            }
        }
    }

    @Test
    void premultiplyAndUnpremultiplyPairLayersWithTheirAlpha() {
        FloatImage img = FloatImage.blank(3, 1, List.of("R", "A", "albedo.R", "albedo.A", "Z"));
        float[][] p = img.planes();
        p[0] = new float[] {0.2f, 0.4f, 0.3f};
        p[1] = new float[] {0.5f, 0f, 1f};
        p[2] = new float[] {0.25f, 0.5f, 1f};
        p[3] = new float[] {0.25f, 1f, 0f};
        p[4] = new float[] {7f, 7f, 7f};
        FloatImage s = Alpha.unpremultiply(img);
        assertThat(s.plane("R")).containsExactly(0.4f, 0.4f, 0.3f); // alpha 0: left as is
        assertThat(s.plane("albedo.R")).containsExactly(1f, 0.5f, 1f);
        assertThat(s.plane("Z")).containsExactly(7f, 7f, 7f);
        FloatImage back = Alpha.premultiply(s);
        assertThat(back.plane("R")).containsExactly(0.2f, 0f, 0.3f);
        assertThat(back.plane("albedo.R")).containsExactly(0.25f, 0.5f, 0f);
    }
}
