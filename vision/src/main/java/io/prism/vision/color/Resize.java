package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

/**
 * Resampling of any number of channels, separable (rows, then columns), pixel centres at half-integers (the
 * "align_corners=false" convention), edges extended by replication.
 * <ul>
 *   <li>{@link Filter#AREA}: each output pixel is the exact area-weighted mean of the source pixels it covers (any
 *       ratio, also non-integer) — the right filter for downscaling; used for upscaling it replicates pixels,
 *       blending only where an output pixel straddles two source pixels.</li>
 *   <li>{@link Filter#BILINEAR}: triangle kernel; {@link Filter#BICUBIC}: Keys cubic convolution with a = -0.5
 *       (Catmull-Rom, as PIL; PyTorch uses -0.75). When downscaling, both kernels are widened by the scale factor
 *       (antialiasing, as PIL / torchvision {@code antialias=True}); when upscaling they interpolate.</li>
 * </ul>
 * Weights are normalised to sum to 1. Bicubic can overshoot (ringing); values are not clamped.
 */
public final class Resize {
    public enum Filter { AREA, BILINEAR, BICUBIC }

    private Resize() {
    }

    /** AREA when shrinking, BICUBIC when enlarging (per image: by the larger scale change). */
    public static FloatImage resize(FloatImage img, int width, int height) {
        boolean shrink = (long) width * height <= (long) img.width() * img.height();
        return resize(img, width, height, shrink ? Filter.AREA : Filter.BICUBIC);
    }

    public static FloatImage resize(FloatImage img, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("size must be positive: " + width + "x" + height);
        if (width == img.width() && height == img.height()) return img.copy();
        Weights wx = weights(img.width(), width, filter);
        Weights wy = weights(img.height(), height, filter);
        int sw = img.width();
        int sh = img.height();
        float[][] out = new float[img.channelCount()][];
        float[] tmp = new float[width * sh];
        for (int c = 0; c < img.channelCount(); c++) {
            float[] src = img.planes()[c];
            // rows: sw → width
            for (int y = 0; y < sh; y++) {
                int row = y * sw;
                for (int x = 0; x < width; x++) {
                    int s = wx.start[x];
                    float[] w = wx.w[x];
                    double acc = 0;
                    for (int k = 0; k < w.length; k++) acc += w[k] * src[row + clamp(s + k, sw)];
                    tmp[y * width + x] = (float) acc;
                }
            }
            // columns: sh → height
            float[] dst = new float[width * height];
            for (int y = 0; y < height; y++) {
                int s = wy.start[y];
                float[] w = wy.w[y];
                for (int x = 0; x < width; x++) {
                    double acc = 0;
                    for (int k = 0; k < w.length; k++) acc += w[k] * tmp[clamp(s + k, sh) * width + x];
                    dst[y * width + x] = (float) acc;
                }
            }
            out[c] = dst;
        }
        return new FloatImage(width, height, img.channels(), out);
    }

    /** Scales so the longer edge is {@code maxEdge} (keeping the aspect ratio, at least 1 pixel). */
    public static FloatImage resizeLongEdge(FloatImage img, int maxEdge, Filter filter) {
        double s = (double) maxEdge / Math.max(img.width(), img.height());
        int w = Math.max(1, (int) Math.round(img.width() * s));
        int h = Math.max(1, (int) Math.round(img.height() * s));
        return resize(img, w, h, filter);
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }

    /** Per output index: first source index (may be outside, then clamped) and the weights from there on. */
    private record Weights(int[] start, float[][] w) {
    }

    private static Weights weights(int n, int m, Filter filter) {
        double scale = (double) n / m;
        int[] start = new int[m];
        float[][] w = new float[m][];
        for (int i = 0; i < m; i++) {
            if (filter == Filter.AREA) {
                double a = i * scale;
                double b = (i + 1) * scale;
                int j0 = (int) Math.floor(a);
                int j1 = Math.min(n - 1, (int) Math.ceil(b) - 1);
                j0 = Math.min(j0, j1);
                double[] ws = new double[j1 - j0 + 1];
                for (int j = j0; j <= j1; j++) ws[j - j0] = Math.max(0, Math.min(b, j + 1) - Math.max(a, j));
                start[i] = j0;
                w[i] = normalise(ws);
            } else {
                double radius = filter == Filter.BILINEAR ? 1 : 2;
                double stretch = Math.max(1, scale);
                double centre = (i + 0.5) * scale - 0.5;
                double support = radius * stretch;
                int j0 = (int) Math.ceil(centre - support);
                int j1 = (int) Math.floor(centre + support);
                double[] ws = new double[j1 - j0 + 1];
                for (int j = j0; j <= j1; j++) {
                    double t = (j - centre) / stretch;
                    ws[j - j0] = filter == Filter.BILINEAR ? Math.max(0, 1 - Math.abs(t)) : cubic(t);
                }
                start[i] = j0;
                w[i] = normalise(ws);
            }
        }
        return new Weights(start, w);
    }

    /** Keys cubic convolution kernel, a = -0.5. */
    static double cubic(double t) {
        double a = -0.5;
        double x = Math.abs(t);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0;
    }

    private static float[] normalise(double[] ws) {
        double sum = 0;
        for (double v : ws) sum += v;
        float[] f = new float[ws.length];
        for (int k = 0; k < ws.length; k++) f[k] = (float) (ws[k] / sum);
        return f;
    }
}
