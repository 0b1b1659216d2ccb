package io.prism.simulator;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Styles are a domain shift on purpose: their albedo and lighting statistics must differ clearly
 * and consistently (averaged over several seeds, so no single lucky scene decides).
 */
class StyleStatisticsTest {

    /**
     * @param albedoWarmth     mean albedo R - B
     * @param albedoSaturation mean albedo HSV saturation
     * @param beautyLuminance  mean beauty luminance
     * @param lightWarmth      log(R / B) of the light's colour cast, from summed beauty / summed albedo per channel
     * @param lightChroma      mean per-pixel chroma of the shading (beauty / albedo): how coloured the lighting is
     */
    record Stats(double albedoWarmth, double albedoSaturation, double beautyLuminance, double lightWarmth, double lightChroma) {}

    static Stats stats(Style style) {
        double warmth = 0, sat = 0, lum = 0, lightWarmth = 0, chroma = 0;
        int seeds = 4;
        for (long seed = 100; seed < 100 + seeds; seed++) {
            RenderedFrame rf = new Renderer().render(SceneGenerator.generate(style, seed), 1, 40, 40, 2, 2);
            float[][] a = rf.albedo().planes(), b = rf.beauty().planes();
            float[] mask = rf.mask().plane("Y");
            double w = 0, s = 0, l = 0, sbR = 0, sbB = 0, saR = 0, saB = 0, ch = 0;
            int n = 0;
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] != 0 || (a[0][i] == 0 && a[1][i] == 0 && a[2][i] == 0)) continue; // surfaces only
                double r = a[0][i], g = a[1][i], bl = a[2][i];
                double max = Math.max(r, Math.max(g, bl)), min = Math.min(r, Math.min(g, bl));
                w += r - bl;
                s += max > 0 ? (max - min) / max : 0;
                l += 0.2126 * b[0][i] + 0.7152 * b[1][i] + 0.0722 * b[2][i];
                sbR += b[0][i];
                sbB += b[2][i];
                saR += r;
                saB += bl;
                double s0 = b[0][i] / Math.max(r, 0.02), s1 = b[1][i] / Math.max(g, 0.02), s2 = b[2][i] / Math.max(bl, 0.02);
                double smax = Math.max(s0, Math.max(s1, s2)), smin = Math.min(s0, Math.min(s1, s2));
                ch += smax > 1e-6 ? (smax - smin) / smax : 0;
                n++;
            }
            warmth += w / n;
            sat += s / n;
            lum += l / n;
            lightWarmth += Math.log((sbR / saR) / (sbB / saB));
            chroma += ch / n;
        }
        return new Stats(warmth / seeds, sat / seeds, lum / seeds, lightWarmth / seeds, chroma / seeds);
    }

    @Test
    void stylesShiftAlbedoAndLightingStatistics() {
        Map<Style, Stats> st = new EnumMap<>(Style.class);
        for (Style s : Style.values()) st.put(s, stats(s));
        Stats studio = st.get(Style.STUDIO), sunset = st.get(Style.SUNSET), neon = st.get(Style.NEON);
        // sunset: warm, saturated palette
        assertThat(sunset.albedoWarmth()).isGreaterThan(studio.albedoWarmth() + 0.1);
        assertThat(sunset.albedoSaturation()).isGreaterThan(studio.albedoSaturation() + 0.15);
        // neon: saturated palette, dark scene lit by coloured points
        assertThat(neon.albedoSaturation()).isGreaterThan(studio.albedoSaturation() + 0.15);
        assertThat(neon.beautyLuminance()).isLessThan(0.6 * studio.beautyLuminance());
        assertThat(neon.lightChroma()).isGreaterThan(studio.lightChroma() + 0.15);
        // sunset light is orange: its shading is much warmer than the studio's near-white light
        assertThat(sunset.lightWarmth()).isGreaterThan(studio.lightWarmth() + 0.5);
        assertThat(sunset.lightChroma()).isGreaterThan(studio.lightChroma() + 0.15);
    }

    @Test
    void unknownStyleIsAClearError() {
        assertThat(Style.parse(" Sunset ")).isEqualTo(Style.SUNSET);
        assertThatThrownBy(() -> Style.parse("noir")).hasMessageContaining("unknown style 'noir'").hasMessageContaining("studio, sunset, neon");
    }
}
