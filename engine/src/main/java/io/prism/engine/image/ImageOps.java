package io.prism.engine.image;

import io.prism.vision.image.FloatImage;

import java.util.List;

/**
 * The pixel operations the engine's pipeline and trainer need: separable resampling (filters widened
 * when shrinking, as PIL does, so downscaling does not alias), edge-replicating padding, crops, flips.
 */
public final class ImageOps {
    private ImageOps() {}

    /** Size whose longest side is {@code longest} (aspect kept, each side ≥ 1); 0 keeps the size. */
    public static int[] fitLongestSide(int width, int height, int longest) {
        if (longest <= 0) return new int[] {width, height};
        double s = (double) longest / Math.max(width, height);
        return new int[] {Math.max(1, (int) Math.round(width * s)), Math.max(1, (int) Math.round(height * s))};
    }

    public static FloatImage resize(FloatImage img, int width, int height, Resample method) {
        if (width == img.width() && height == img.height()) return img.copy();
        float[][] out = new float[img.channelCount()][];
        for (int c = 0; c < img.channelCount(); c++) {
            float[] p = img.planes()[c];
            float[] tmp = resample1d(p, img.width(), img.height(), width, true, method);     // rows
            out[c] = resample1d(tmp, width, img.height(), height, false, method);            // columns
        }
        return new FloatImage(width, height, img.channels(), out);
    }

    /** Resamples along x (horizontal) or y of a w×h plane to a new length along that axis. */
    private static float[] resample1d(float[] src, int w, int h, int newLen, boolean horizontal, Resample method) {
        int oldLen = horizontal ? w : h;
        int ow = horizontal ? newLen : w, oh = horizontal ? h : newLen;
        float[] dst = new float[ow * oh];
        if (oldLen == newLen) {
            System.arraycopy(src, 0, dst, 0, src.length);
            return dst;
        }
        double scale = (double) oldLen / newLen;
        double support = switch (method) {
            case NEAREST -> 0;
            case BILINEAR -> 1;
            case BICUBIC -> 2;
        };
        double fscale = Math.max(1, scale);                   // widen the filter when shrinking
        int[] first = new int[newLen];
        double[][] weights = new double[newLen][];
        for (int i = 0; i < newLen; i++) {
            double center = (i + 0.5) * scale;
            if (method == Resample.NEAREST) {
                first[i] = Math.min(oldLen - 1, (int) Math.floor(center));
                weights[i] = new double[] {1};
                continue;
            }
            double r = support * fscale;
            int lo = (int) Math.floor(center - r), hi = (int) Math.ceil(center + r);
            double[] wts = new double[hi - lo + 1];
            double sum = 0;
            for (int j = lo; j <= hi; j++) {
                double x = (j + 0.5 - center) / fscale;
                double v = method == Resample.BILINEAR ? Math.max(0, 1 - Math.abs(x)) : cubic(x);
                wts[j - lo] = v;
                sum += v;
            }
            for (int k = 0; k < wts.length; k++) wts[k] /= sum;
            first[i] = lo;
            weights[i] = wts;
        }
        for (int a = 0; a < (horizontal ? h : w); a++) {                 // the other axis
            for (int i = 0; i < newLen; i++) {
                double acc = 0;
                double[] wts = weights[i];
                for (int k = 0; k < wts.length; k++) {
                    if (wts[k] == 0) continue;
                    int j = Math.min(oldLen - 1, Math.max(0, first[i] + k));    // clamp to edge
                    acc += wts[k] * (horizontal ? src[a * w + j] : src[j * w + a]);
                }
                if (horizontal) dst[a * ow + i] = (float) acc; else dst[i * ow + a] = (float) acc;
            }
        }
        return dst;
    }

    /** Keys' cubic convolution kernel with a = −0.5 (Catmull-Rom). */
    private static double cubic(double x) {
        double a = -0.5, t = Math.abs(x);
        if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
        if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        return 0;
    }

    /** Pads right and bottom by replicating the last column / row. */
    public static FloatImage padTo(FloatImage img, int width, int height) {
        if (width == img.width() && height == img.height()) return img;
        float[][] out = new float[img.channelCount()][width * height];
        for (int c = 0; c < img.channelCount(); c++) {
            float[] p = img.planes()[c];
            for (int y = 0; y < height; y++) {
                int sy = Math.min(y, img.height() - 1);
                for (int x = 0; x < width; x++) {
                    out[c][y * width + x] = p[sy * img.width() + Math.min(x, img.width() - 1)];
                }
            }
        }
        return new FloatImage(width, height, img.channels(), out);
    }

    public static FloatImage crop(FloatImage img, int x0, int y0, int width, int height) {
        if (x0 < 0 || y0 < 0 || x0 + width > img.width() || y0 + height > img.height()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + "+" + x0 + "+" + y0 + " outside " + img);
        }
        float[][] out = new float[img.channelCount()][width * height];
        for (int c = 0; c < img.channelCount(); c++) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(img.planes()[c], (y0 + y) * img.width() + x0, out[c], y * width, width);
            }
        }
        return new FloatImage(width, height, img.channels(), out);
    }

    public static FloatImage flipHorizontal(FloatImage img) {
        int w = img.width(), h = img.height();
        float[][] out = new float[img.channelCount()][w * h];
        for (int c = 0; c < img.channelCount(); c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) out[c][y * w + x] = img.planes()[c][y * w + (w - 1 - x)];
            }
        }
        return new FloatImage(w, h, img.channels(), out);
    }

    public static FloatImage flipVertical(FloatImage img) {
        int w = img.width(), h = img.height();
        float[][] out = new float[img.channelCount()][w * h];
        for (int c = 0; c < img.channelCount(); c++) {
            for (int y = 0; y < h; y++) System.arraycopy(img.planes()[c], (h - 1 - y) * w, out[c], y * w, w);
        }
        return new FloatImage(w, h, img.channels(), out);
    }

    /** Picks the RGB planes of an image: channels named R, G, B, or exactly three channels of any name. */
    public static FloatImage rgb(FloatImage img, String what) {
        if (img.has("R") && img.has("G") && img.has("B")) return img.select(List.of("R", "G", "B"));
        if (img.channelCount() == 3) return img.rename(List.of("R", "G", "B"));
        throw new IllegalArgumentException(what + " must be an RGB image (channels R, G, B or exactly 3 channels), got "
                + img.channelCount() + " channel(s) " + img.channels());
    }

    /** Throws if any pixel is NaN or infinite, naming the first one. */
    public static void requireFinite(FloatImage img, String what) {
        for (int c = 0; c < img.channelCount(); c++) {
            float[] p = img.planes()[c];
            for (int i = 0; i < p.length; i++) {
                if (!Float.isFinite(p[i])) {
                    throw new IllegalArgumentException(what + " has a non-finite pixel (" + p[i] + ") in channel "
                            + img.channels().get(c) + " at x=" + (i % img.width()) + ", y=" + (i / img.width()));
                }
            }
        }
    }
}
