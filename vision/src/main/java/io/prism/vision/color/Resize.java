package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

/**
 * Resampling of any number of channels, separable (rows, then columns), pixel centres at half-integers (the
 * "align_corners=false" convention). The filters that PyTorch also has reproduce {@code F.interpolate} on float32
 * CPU tensors — same float32 weights, same summation order, fused multiply-adds — because diffusion pipelines
 * (Marigold) are specified in those terms: antialiased bilinear and nearest bit for bit, bilinear without antialias
 * within 1 ulp (checked against torch 2.13 in the engine's {@code TorchResizeReferenceTest}):
 * <ul>
 *   <li>{@link Filter#BILINEAR}: triangle kernel, widened by the scale factor when shrinking (antialiasing).
 *       {@code F.interpolate(mode="bilinear", antialias=True, align_corners=False)} = PIL's BILINEAR: taps that fall
 *       outside the image are dropped and the remaining weights renormalised to sum to 1. Upscaling with it is plain
 *       bilinear interpolation.</li>
 *   <li>{@link Filter#BICUBIC}: the same construction with Keys' cubic kernel, a = -0.5 (torch's {@code antialias=True}
 *       bicubic and PIL's; torch's non-antialiased bicubic uses a = -0.75). Can overshoot (ringing); not clamped.</li>
 *   <li>{@link Filter#BILINEAR_NO_ANTIALIAS}: {@code F.interpolate(mode="bilinear", antialias=False,
 *       align_corners=False)}: two taps around src = max(0, (in/out)(d + 0.5) − 0.5) in both directions, so it
 *       aliases when shrinking.</li>
 *   <li>{@link Filter#NEAREST}: torch's {@code "nearest"}: src = min(floor(d · in/out), in − 1) (not
 *       "nearest-exact").</li>
 *   <li>{@link Filter#AREA}: each output pixel is the exact area-weighted mean of the source pixels it covers (any
 *       ratio, also non-integer) — the right filter for downscaling; used for upscaling it replicates pixels,
 *       blending only where an output pixel straddles two source pixels.</li>
 * </ul>
 * An axis whose size does not change is copied, not filtered (as torch does).
 */
public final class Resize {
    public enum Filter { AREA, BILINEAR, BICUBIC, BILINEAR_NO_ANTIALIAS, NEAREST }

    private Resize() {
    }

    /** AREA when shrinking, BICUBIC when enlarging (per image: by the larger scale change). */
    public static FloatImage resize(FloatImage img, int width, int height) {
        boolean shrink = (long) width * height <= (long) img.width() * img.height();
        return resize(img, width, height, shrink ? Filter.AREA : Filter.BICUBIC);
    }

    public static FloatImage resize(FloatImage img, int width, int height, Filter filter) {
        checkSize(width, height);
        if (width == img.width() && height == img.height()) return img.copy();
        Weights wx = width == img.width() ? null : weights(img.width(), width, filter);
        Weights wy = height == img.height() ? null : weights(img.height(), height, filter);
        float[][] out = new float[img.channelCount()][];
        for (int c = 0; c < img.channelCount(); c++) {
            out[c] = resample(img.planes()[c], img.width(), img.height(), width, height, wx, wy);
        }
        return new FloatImage(width, height, img.channels(), out);
    }

    /** One row-major {@code width}×{@code height} plane resized to {@code newWidth}×{@code newHeight}. */
    public static float[] resize(float[] plane, int width, int height, int newWidth, int newHeight, Filter filter) {
        checkSize(newWidth, newHeight);
        if (plane.length != width * height) {
            throw new IllegalArgumentException("plane has " + plane.length + " values, not " + width + "x" + height);
        }
        Weights wx = newWidth == width ? null : weights(width, newWidth, filter);
        Weights wy = newHeight == height ? null : weights(height, newHeight, filter);
        return resample(plane, width, height, newWidth, newHeight, wx, wy);
    }

    /** Scales so the longer edge is {@code maxEdge} (keeping the aspect ratio, at least 1 pixel). */
    public static FloatImage resizeLongEdge(FloatImage img, int maxEdge, Filter filter) {
        double s = (double) maxEdge / Math.max(img.width(), img.height());
        int w = Math.max(1, (int) Math.round(img.width() * s));
        int h = Math.max(1, (int) Math.round(img.height() * s));
        return resize(img, w, h, filter);
    }

    /**
     * The {width, height} that diffusers' Marigold {@code resize_to_max_edge} gives: {@code new = side * maxEdge //
     * max(width, height)} (integer floor, so 56×38 at 32 → 32×21). Throws, as diffusers does, if a side would be 0.
     */
    public static int[] maxEdgeSize(int width, int height, int maxEdge) {
        checkSize(width, height);
        if (maxEdge <= 0) throw new IllegalArgumentException("maxEdge must be positive, got " + maxEdge);
        int longest = Math.max(width, height);
        int w = (int) ((long) width * maxEdge / longest);
        int h = (int) ((long) height * maxEdge / longest);
        if (w == 0 || h == 0) {
            throw new IllegalArgumentException("extreme aspect ratio " + width + "x" + height + ": a side becomes 0 at max edge " + maxEdge);
        }
        return new int[] {w, h};
    }

    /** Pads to {@code width}×{@code height} by repeating the last column to the right and the last row below. */
    public static FloatImage padEdge(FloatImage img, int width, int height) {
        float[][] out = new float[img.channelCount()][];
        for (int c = 0; c < img.channelCount(); c++) out[c] = padEdge(img.planes()[c], img.width(), img.height(), width, height);
        return new FloatImage(width, height, img.channels(), out);
    }

    /** {@link #padEdge(FloatImage, int, int)} for one row-major plane. */
    public static float[] padEdge(float[] plane, int width, int height, int newWidth, int newHeight) {
        if (newWidth < width || newHeight < height) {
            throw new IllegalArgumentException("cannot pad " + width + "x" + height + " to the smaller " + newWidth + "x" + newHeight);
        }
        float[] out = new float[newWidth * newHeight];
        for (int y = 0; y < newHeight; y++) {
            int row = Math.min(y, height - 1) * width;
            System.arraycopy(plane, row, out, y * newWidth, width);
            java.util.Arrays.fill(out, y * newWidth + width, (y + 1) * newWidth, plane[row + width - 1]);
        }
        return out;
    }

    private static void checkSize(int width, int height) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("size must be positive: " + width + "x" + height);
    }

    /** Rows first, then columns (torch's order); a null weight set leaves that axis as it is. */
    private static float[] resample(float[] src, int sw, int sh, int width, int height, Weights wx, Weights wy) {
        float[] tmp = src;
        if (wx != null) {
            tmp = new float[width * sh];
            for (int y = 0; y < sh; y++) {
                int row = y * sw;
                for (int x = 0; x < width; x++) tmp[y * width + x] = apply(wx, x, src, row, 1, sw);
            }
        }
        if (wy == null) return tmp == src ? src.clone() : tmp;
        float[] dst = new float[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) dst[y * width + x] = apply(wy, y, tmp, x, width, sh);
        }
        return dst;
    }

    /**
     * Σ w_k · src[base + clamp(start + k)·stride] in float32, in tap order, each multiply-add fused: torch's CPU kernels
     * are built with FMA contraction, and fusing makes the antialiased results bit-identical to theirs.
     */
    private static float apply(Weights wts, int i, float[] src, int base, int stride, int n) {
        int s = wts.start[i];
        float[] w = wts.w[i];
        float acc = src[base + clamp(s, n) * stride] * w[0];
        for (int k = 1; k < w.length; k++) acc = Math.fma(src[base + clamp(s + k, n) * stride], w[k], acc);
        return acc;
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }

    /** Per output index: first source index (clamped to the image when read) and the weights from there on. */
    private record Weights(int[] start, float[][] w) {
    }

    private static Weights weights(int n, int m, Filter filter) {
        return switch (filter) {
            case AREA -> areaWeights(n, m);
            case BILINEAR, BICUBIC -> antialiasWeights(n, m, filter == Filter.BICUBIC);
            case BILINEAR_NO_ANTIALIAS -> linearWeights(n, m);
            case NEAREST -> nearestWeights(n, m);
        };
    }

    private static Weights areaWeights(int n, int m) {
        double scale = (double) n / m;
        int[] start = new int[m];
        float[][] w = new float[m][];
        for (int i = 0; i < m; i++) {
            double a = i * scale;
            double b = (i + 1) * scale;
            int j0 = (int) Math.floor(a);
            int j1 = Math.min(n - 1, (int) Math.ceil(b) - 1);
            j0 = Math.min(j0, j1);
            double[] ws = new double[j1 - j0 + 1];
            double sum = 0;
            for (int j = j0; j <= j1; j++) {
                ws[j - j0] = Math.max(0, Math.min(b, j + 1) - Math.max(a, j));
                sum += ws[j - j0];
            }
            float[] f = new float[ws.length];
            for (int k = 0; k < ws.length; k++) f[k] = (float) (ws[k] / sum);
            start[i] = j0;
            w[i] = f;
        }
        return new Weights(start, w);
    }

    /**
     * torch's {@code _compute_indices_min_size_weights_aa} (UpSampleKernel.cpp) with its float32 / double mix kept, so
     * that the weights are the same floats: centre = scale·(i + 0.5), support = radius·scale when shrinking, taps
     * [xmin, xmin + xsize) inside the image, kernel at (j − centre + 0.5)/scale, normalised.
     */
    private static Weights antialiasWeights(int n, int m, boolean cubic) {
        float scale = (float) n / (float) m;
        float radius = cubic ? 2f : 1f;
        float support = scale >= 1.0f ? radius * scale : radius;
        float invscale = scale >= 1.0f ? (float) (1.0 / scale) : 1f;
        int maxTaps = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[m];
        float[][] w = new float[m][];
        for (int i = 0; i < m; i++) {
            float centre = (float) (scale * (i + 0.5));
            int xmin = (int) Math.max((long) ((centre - support) + 0.5), 0L);
            int xsize = (int) Math.min((long) ((centre + support) + 0.5), n) - xmin;
            xsize = Math.max(0, Math.min(xsize, maxTaps));
            float[] ws = new float[Math.max(1, xsize)];
            float total = 0;
            for (int j = 0; j < xsize; j++) {
                float x = (float) (((double) ((float) (j + xmin) - centre) + 0.5) * invscale);
                ws[j] = cubic ? cubicKernel(x) : triangle(x);
                total += ws[j];
            }
            if (total != 0) for (int j = 0; j < xsize; j++) ws[j] /= total;
            start[i] = xmin;
            w[i] = ws;
        }
        return new Weights(start, w);
    }

    private static float triangle(float x) {
        x = Math.abs(x);
        return x < 1f ? 1f - x : 0f;
    }

    /** Keys cubic convolution kernel, a = -0.5, in float32 as torch evaluates it. */
    private static float cubicKernel(float x) {
        float a = -0.5f;
        x = Math.abs(x);
        if (x < 1f) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2f) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0f;
    }

    /** torch's {@code compute_source_index_and_lambda} (align_corners=False), float32. */
    private static Weights linearWeights(int n, int m) {
        float scale = (float) n / (float) m;
        int[] start = new int[m];
        float[][] w = new float[m][];
        for (int i = 0; i < m; i++) {
            float src = Math.fma(scale, (float) i + 0.5f, -0.5f);          // fused, as torch's build contracts it
            if (src < 0f) src = 0f;
            int i0 = Math.min((int) Math.floor(src), n - 1);
            float l1 = Math.min(Math.max(src - i0, 0f), 1f);
            start[i] = i0;                                  // i0 + 1 is clamped to n − 1 when read, as torch does
            w[i] = new float[] {1f - l1, l1};
        }
        return new Weights(start, w);
    }

    /** torch's {@code nearest_neighbor_compute_source_index}: floor(i · (float) n/m), at most n − 1. */
    private static Weights nearestWeights(int n, int m) {
        float scale = (float) n / (float) m;
        int[] start = new int[m];
        float[][] w = new float[m][];
        for (int i = 0; i < m; i++) {
            start[i] = Math.min((int) Math.floor((float) i * scale), n - 1);
            w[i] = new float[] {1f};
        }
        return new Weights(start, w);
    }
}
