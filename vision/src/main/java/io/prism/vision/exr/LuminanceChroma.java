package io.prism.vision.exr;

import io.prism.vision.color.Primaries;
import io.prism.vision.image.FloatImage;

import java.util.ArrayList;
import java.util.List;

/**
 * Luminance/chroma OpenEXR layers ({@code Y}, {@code RY}, {@code BY}, optional {@code A}) and luminance-only layers
 * ({@code Y}) to RGB, with OpenEXR's own algorithm (what libOpenEXR's RGBA interface, {@code RgbaInputFile}, gives):
 *
 * <ul>
 *   <li>luminance weights {@code yw} from the file's chromaticities (the Y row of RGB→XYZ; absent: Rec.709, i.e.
 *       0.2126, 0.7152, 0.0722);</li>
 *   <li>2×2 subsampled chroma is reconstructed with OpenEXR's 27-tap filter, first along each even scan line, then
 *       down each column for odd lines (edges clamped as libOpenEXR does: left to the first sample, right to the last,
 *       top to the first line, bottom to the last even line);</li>
 *   <li>{@code R = (RY + 1)·Y}, {@code B = (BY + 1)·Y}, {@code G = (Y − R·yw.r − B·yw.b) / yw.g}; both chroma
 *       values exactly 0 give grey {@code R = G = B = Y};</li>
 *   <li>pixels much more saturated than their four diagonal neighbours (a reconstruction artefact) are desaturated
 *       at constant luminance, as {@code RgbaYca::fixSaturation} does.</li>
 * </ul>
 * Every intermediate is rounded to half, as libOpenEXR holds it. Chroma at full resolution (not subsampled, which
 * libOpenEXR's RGBA interface cannot read) is converted per pixel with the same formula, without the filters.
 * A luminance-only layer becomes grey RGB.
 */
public final class LuminanceChroma {
    /** Half the reconstruction filter's length (27 taps). */
    private static final int N2 = 13;
    /** Filter weights for the taps at distance 1, 3, ..., 13 from a missing sample. */
    private static final float[] TAPS = {0.627123f, -0.186077f, 0.087929f, -0.043159f, 0.019597f, -0.007540f, 0.002128f};

    private LuminanceChroma() {
    }

    /** True when the layer with this prefix ("" or "left.") has Y, RY and BY. */
    public static boolean hasChroma(List<String> channels, String prefix) {
        return channels.contains(prefix + "Y") && channels.contains(prefix + "RY") && channels.contains(prefix + "BY");
    }

    /**
     * Luminance weights of these chromaticities, normalised to sum 1: OpenEXR's {@code computeYw}, the Y column of
     * its {@code RGBtoXYZ(chromaticities, 1)}, evaluated in single precision in the same order so that the half
     * results agree bit for bit ({@link Primaries#luminanceWeights} is the same in double precision).
     */
    public static float[] luminanceWeights(Chromaticities c) {
        float y = 1f;
        float wx = c.whiteX(), wy = c.whiteY();
        float rx = c.redX(), ry = c.redY(), gx = c.greenX(), gy = c.greenY(), bx = c.blueX(), by = c.blueY();
        float cx = wx * y / wy;
        float cz = (1 - wx - wy) * y / wy;
        float d = rx * (by - gy) + bx * (gy - ry) + gx * (ry - by);
        float srN = cx * (by - gy) - gx * (y * (by - 1) + by * (cx + cz)) + bx * (y * (gy - 1) + gy * (cx + cz));
        float sgN = cx * (ry - by) + rx * (y * (by - 1) + by * (cx + cz)) - bx * (y * (ry - 1) + ry * (cx + cz));
        float sbN = cx * (gy - ry) - rx * (y * (gy - 1) + gy * (cx + cz)) + gx * (y * (ry - 1) + ry * (cx + cz));
        float m0 = srN / d * ry, m1 = sgN / d * gy, m2 = sbN / d * by;
        float sum = m0 + m1 + m2;
        if (!(Float.isFinite(sum) && sum > 0)) throw new IllegalArgumentException("degenerate chromaticities " + c);
        return new float[] {m0 / sum, m1 / sum, m2 / sum};
    }

    /**
     * The layer {@code prefix} of a decoded part as {@code R, G, B[, A]} (A when the layer has one). The part must have
     * {@code prefix + "Y"}; with {@code RY} and {@code BY} it is converted from luminance/chroma, else it is grey.
     */
    public static FloatImage toRgb(ExrPart part, String prefix) {
        FloatImage img = part.image();
        ExrHeader h = part.header();
        int w = img.width(), ht = img.height();
        boolean alpha = img.has(prefix + "A");
        List<String> names = new ArrayList<>(List.of("R", "G", "B"));
        if (alpha) names.add("A");
        float[][] out = new float[names.size()][];
        if (alpha) out[3] = img.plane(prefix + "A").clone();
        float[] y = img.plane(prefix + "Y");
        if (!hasChroma(img.channels(), prefix)) {
            out[0] = y.clone();
            out[1] = y.clone();
            out[2] = y.clone();
            return new FloatImage(w, ht, names, out);
        }
        float[] yw = luminanceWeights(h.chromaticities().orElse(Chromaticities.REC709));
        ExrChannel ry = channel(h, prefix + "RY");
        ExrChannel by = channel(h, prefix + "BY");
        boolean subsampled = ry.xSampling() == 2 && ry.ySampling() == 2 && by.xSampling() == 2 && by.ySampling() == 2;
        if (!subsampled && (ry.subsampled() || by.subsampled())) {
            throw new IllegalArgumentException("luminance/chroma layer '" + prefix + "' with chroma sampling "
                    + ry.xSampling() + "x" + ry.ySampling() + ": only 1x1 and 2x2 are defined");
        }
        float[] r = new float[w * ht], g = new float[w * ht], b = new float[w * ht];
        if (!subsampled) {
            float[] cr = img.plane(prefix + "RY"), cb = img.plane(prefix + "BY");
            float[] px = new float[3];
            for (int i = 0; i < w * ht; i++) {
                toRgb(yw, Half.round(y[i]), Half.round(cr[i]), Half.round(cb[i]), px);
                r[i] = px[0];
                g[i] = px[1];
                b[i] = px[2];
            }
        } else {
            new Reconstruction(w, ht, y, img.plane(prefix + "RY"), img.plane(prefix + "BY"), yw).run(r, g, b);
        }
        out[0] = r;
        out[1] = g;
        out[2] = b;
        return new FloatImage(w, ht, names, out);
    }

    private static ExrChannel channel(ExrHeader h, String name) {
        for (ExrChannel c : h.channels()) if (c.name().equals(name)) return c;
        throw new IllegalArgumentException("no channel " + name + " in " + h);
    }

    /** OpenEXR's YCAtoRGBA for one pixel, rounded to half. */
    private static void toRgb(float[] yw, float y, float ry, float by, float[] rgb) {
        if (ry == 0 && by == 0) {
            rgb[0] = y;
            rgb[1] = y;
            rgb[2] = y;
            return;
        }
        float r = (ry + 1) * y;
        float b = (by + 1) * y;
        float g = (y - r * yw[0] - b * yw[2]) / yw[1];
        rgb[0] = Half.round(r);
        rgb[1] = Half.round(g);
        rgb[2] = Half.round(b);
    }

    /** Chroma reconstruction, conversion and saturation fix of a 2×2-subsampled layer (data window origin even). */
    private static final class Reconstruction {
        private final int w, h;
        private final float[] y, yw;
        /** Horizontally reconstructed chroma of each even line: [line / 2][x]. */
        private final float[][] hRy, hBy;

        Reconstruction(int w, int h, float[] y, float[] ry, float[] by, float[] yw) {
            this.w = w;
            this.h = h;
            this.y = y;
            this.yw = yw;
            hRy = new float[h / 2][];
            hBy = new float[h / 2][];
            for (int line = 0; line < h; line += 2) {
                hRy[line / 2] = horizontal(ry, line);
                hBy[line / 2] = horizontal(by, line);
            }
        }

        /** Chroma samples sit at even x; odd x are filtered from the samples at x ± 1, 3, ..., 13. */
        private float[] horizontal(float[] plane, int line) {
            float[] row = new float[w];
            int base = line * w;
            for (int x = 0; x < w; x += 2) row[x] = Half.round(plane[base + x]);
            for (int x = 1; x < w; x += 2) {
                float s = 0;
                for (int k = N2; k >= 1; k -= 2) s += row[clampX(x - k)] * TAPS[(k - 1) / 2];
                for (int k = 1; k <= N2; k += 2) s += row[clampX(x + k)] * TAPS[(k - 1) / 2];
                row[x] = Half.round(s);
            }
            return row;
        }

        /** libOpenEXR pads a line with its first pixel on the left and its last chroma sample (w − 2) on the right. */
        private int clampX(int x) {
            return x < 0 ? 0 : x >= w ? w - 2 : x;
        }

        /** libOpenEXR reads lines above the window as the first line, below it as the last even line. */
        private int clampY(int line) {
            return line < 0 ? 0 : line >= h ? h - 2 : line;
        }

        /** Converted RGB of a line (which may lie outside the window: its clamped neighbours stand in). */
        private void rgbLine(int line, float[] r, float[] g, float[] b) {
            float[] cr, cb;
            if ((line & 1) == 0) {
                cr = hRy[clampY(line) / 2];
                cb = hBy[clampY(line) / 2];
            } else {
                cr = new float[w];
                cb = new float[w];
                for (int x = 0; x < w; x++) {
                    float sr = 0, sb = 0;
                    for (int k = N2; k >= 1; k -= 2) {
                        int l = clampY(line - k) / 2;
                        sr += hRy[l][x] * TAPS[(k - 1) / 2];
                        sb += hBy[l][x] * TAPS[(k - 1) / 2];
                    }
                    for (int k = 1; k <= N2; k += 2) {
                        int l = clampY(line + k) / 2;
                        sr += hRy[l][x] * TAPS[(k - 1) / 2];
                        sb += hBy[l][x] * TAPS[(k - 1) / 2];
                    }
                    cr[x] = Half.round(sr);
                    cb[x] = Half.round(sb);
                }
            }
            int base = clampY(line) * w;
            float[] px = new float[3];
            for (int x = 0; x < w; x++) {
                toRgb(yw, Half.round(y[base + x]), cr[x], cb[x], px);
                r[x] = px[0];
                g[x] = px[1];
                b[x] = px[2];
            }
        }

        void run(float[] outR, float[] outG, float[] outB) {
            // rows[i] holds line (i - 1): one line above and one below the window for the saturation fix
            float[][] lr = new float[h + 2][w], lg = new float[h + 2][w], lb = new float[h + 2][w];
            for (int line = -1; line <= h; line++) rgbLine(line, lr[line + 1], lg[line + 1], lb[line + 1]);
            float[] px = new float[3];
            for (int line = 0; line < h; line++) {
                float[] ar = lr[line], ag = lg[line], ab = lb[line];
                float[] cr = lr[line + 1], cg = lg[line + 1], cb = lb[line + 1];
                float[] br = lr[line + 2], bg = lg[line + 2], bb = lb[line + 2];
                float a2 = saturation(ar[0], ag[0], ab[0]), a1 = a2;
                float b2 = saturation(br[0], bg[0], bb[0]), b1 = b2;
                int base = line * w;
                for (int x = 0; x < w; x++) {
                    float a0 = a1, b0 = b1;
                    a1 = a2;
                    b1 = b2;
                    if (x < w - 1) {
                        a2 = saturation(ar[x + 1], ag[x + 1], ab[x + 1]);
                        b2 = saturation(br[x + 1], bg[x + 1], bb[x + 1]);
                    }
                    float sMean = Math.min(1f, 0.25f * (a0 + a2 + b0 + b2));
                    float r = cr[x], g = cg[x], b = cb[x];
                    float s = saturation(r, g, b);
                    if (s > sMean) {
                        float sMax = Math.min(1f, 1 - (1 - sMean) * 0.25f);
                        if (s > sMax) {
                            desaturate(r, g, b, sMax / s, px);
                            r = px[0];
                            g = px[1];
                            b = px[2];
                        }
                    }
                    outR[base + x] = r;
                    outG[base + x] = g;
                    outB[base + x] = b;
                }
            }
        }

        private static float saturation(float r, float g, float b) {
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            return max > 0 ? 1 - min / max : 0;
        }

        /** Moves a pixel towards grey by {@code f}, keeping its luminance (values rounded to half on the way). */
        private void desaturate(float r, float g, float b, float f, float[] out) {
            float max = Math.max(r, Math.max(g, b));
            float or = Half.round(Math.max(max - (max - r) * f, 0f));
            float og = Half.round(Math.max(max - (max - g) * f, 0f));
            float ob = Half.round(Math.max(max - (max - b) * f, 0f));
            float yIn = r * yw[0] + g * yw[1] + b * yw[2];
            float yOut = or * yw[0] + og * yw[1] + ob * yw[2];
            if (yOut > 0) {
                or = Half.round(or * (yIn / yOut));
                og = Half.round(og * (yIn / yOut));
                ob = Half.round(ob * (yIn / yOut));
            }
            out[0] = or;
            out[1] = og;
            out[2] = ob;
        }
    }
}
