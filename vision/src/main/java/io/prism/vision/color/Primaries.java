package io.prism.vision.color;

import io.prism.vision.exr.Chromaticities;
import io.prism.vision.image.FloatImage;

/**
 * The one colour conversion between RGB spaces: a file's primaries (its OpenEXR {@code chromaticities}; absent
 * means Rec.709) to Prism's working space, linear Rec.709/sRGB primaries with a D65 white, which is what the models
 * were trained on.
 *
 * <p>The 3×3 matrix goes through CIE XYZ: {@code M = XYZ→RGB(working) · A · RGB→XYZ(file)}. Each RGB→XYZ matrix is
 * the normalised primary matrix that OpenEXR's {@code RGBtoXYZ(chromaticities, Y=1)} builds (columns are the
 * primaries scaled so that RGB (1,1,1) is the white point with Y = 1). OpenEXR itself applies no chromatic
 * adaptation: its {@code RGBtoXYZ}/{@code XYZtoRGB} only map through XYZ. Prism does the same when the two white
 * points agree, and otherwise adapts the white with the <b>Bradford</b> transform ({@code A}), as OCIO/ACES configs
 * do for ACES (≈D60) → sRGB, so that the file's white stays white (R = G = B) in the working space. Without it,
 * ACEScg white would come out slightly blue-tinted.
 */
public final class Primaries {
    /** The working space: Rec.709/sRGB primaries, D65 white. */
    public static final Chromaticities WORKING = Chromaticities.REC709;

    /** Bradford cone response matrix (Lam 1985), XYZ → sharpened LMS. */
    private static final double[][] BRADFORD = {
            {0.8951, 0.2664, -0.1614},
            {-0.7502, 1.7135, 0.0367},
            {0.0389, -0.0685, 1.0296}};

    /** White points closer than this in x and y are the same white (no adaptation). */
    private static final double SAME_WHITE = 1e-4;

    private Primaries() {
    }

    /** RGB → XYZ for these primaries (column vector convention: XYZ = M · RGB), white normalised to Y = 1. */
    public static double[][] rgbToXyz(Chromaticities c) {
        double[][] p = {
                {c.redX(), c.greenX(), c.blueX()},
                {c.redY(), c.greenY(), c.blueY()},
                {1 - c.redX() - c.redY(), 1 - c.greenX() - c.greenY(), 1 - c.blueX() - c.blueY()}};
        double[] w = whiteXyz(c);
        double[] s = multiply(invert(p), w);
        double[][] m = new double[3][3];
        for (int r = 0; r < 3; r++) for (int k = 0; k < 3; k++) m[r][k] = p[r][k] * s[k];
        return m;
    }

    /**
     * The matrix taking linear RGB with primaries {@code from} to linear RGB with primaries {@code to}, Bradford
     * adapted when their white points differ; the identity when the chromaticities are the same.
     */
    public static double[][] conversion(Chromaticities from, Chromaticities to) {
        if (from.equals(to)) return identity();
        double[][] toXyz = rgbToXyz(from);
        double[][] fromXyz = invert(rgbToXyz(to));
        boolean sameWhite = Math.abs(from.whiteX() - to.whiteX()) < SAME_WHITE
                && Math.abs(from.whiteY() - to.whiteY()) < SAME_WHITE;
        double[][] adapt = sameWhite ? identity() : bradford(whiteXyz(from), whiteXyz(to));
        return multiply(fromXyz, multiply(adapt, toXyz));
    }

    /** The matrix from {@code from} to the {@link #WORKING} space. */
    public static double[][] toWorking(Chromaticities from) {
        return conversion(from, WORKING);
    }

    /** Luminance weights (the Y row of RGB → XYZ) of these primaries: for Rec.709 (0.2126, 0.7152, 0.0722). */
    public static double[] luminanceWeights(Chromaticities c) {
        return rgbToXyz(c)[1].clone();
    }

    /**
     * Applies a 3×3 matrix to the R, G, B channels of every layer (R,G,B or layer.R/G/B); other channels are copied.
     * Returns the image itself when the matrix is the identity.
     */
    public static FloatImage apply(FloatImage img, double[][] m) {
        if (isIdentity(m)) return img;
        FloatImage out = img.copy();
        for (String ch : img.channels()) {
            if (!ColorChannels.base(ch).equals("R")) continue;
            String layer = ColorChannels.layer(ch);
            if (!img.has(layer + "G") || !img.has(layer + "B")) continue;
            float[] r = out.plane(layer + "R"), g = out.plane(layer + "G"), b = out.plane(layer + "B");
            float m00 = (float) m[0][0], m01 = (float) m[0][1], m02 = (float) m[0][2];
            float m10 = (float) m[1][0], m11 = (float) m[1][1], m12 = (float) m[1][2];
            float m20 = (float) m[2][0], m21 = (float) m[2][1], m22 = (float) m[2][2];
            for (int i = 0; i < r.length; i++) {
                float x = r[i], y = g[i], z = b[i];
                r[i] = m00 * x + m01 * y + m02 * z;
                g[i] = m10 * x + m11 * y + m12 * z;
                b[i] = m20 * x + m21 * y + m22 * z;
            }
        }
        return out;
    }

    private static double[] whiteXyz(Chromaticities c) {
        return new double[] {c.whiteX() / c.whiteY(), 1, (1 - c.whiteX() - c.whiteY()) / c.whiteY()};
    }

    /** Von Kries scaling in Bradford's cone space from white {@code src} to white {@code dst} (XYZ, Y = 1). */
    private static double[][] bradford(double[] src, double[] dst) {
        double[] s = multiply(BRADFORD, src);
        double[] d = multiply(BRADFORD, dst);
        double[][] scale = {{d[0] / s[0], 0, 0}, {0, d[1] / s[1], 0}, {0, 0, d[2] / s[2]}};
        return multiply(invert(BRADFORD), multiply(scale, BRADFORD));
    }

    static double[][] identity() {
        return new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    }

    private static boolean isIdentity(double[][] m) {
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) if (m[r][c] != (r == c ? 1 : 0)) return false;
        return true;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        double[][] m = new double[3][3];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) m[r][c] = a[r][0] * b[0][c] + a[r][1] * b[1][c] + a[r][2] * b[2][c];
        return m;
    }

    static double[] multiply(double[][] a, double[] v) {
        return new double[] {a[0][0] * v[0] + a[0][1] * v[1] + a[0][2] * v[2], a[1][0] * v[0] + a[1][1] * v[1] + a[1][2] * v[2],
                a[2][0] * v[0] + a[2][1] * v[1] + a[2][2] * v[2]};
    }

    static double[][] invert(double[][] m) {
        double a = m[0][0], b = m[0][1], c = m[0][2], d = m[1][0], e = m[1][1], f = m[1][2], g = m[2][0], h = m[2][1], i = m[2][2];
        double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
        if (Math.abs(det) < 1e-12 || !Double.isFinite(det)) {
            throw new IllegalArgumentException("degenerate chromaticities: the primaries are colinear");
        }
        return new double[][] {
                {(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det},
                {(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det},
                {(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det}};
    }
}
