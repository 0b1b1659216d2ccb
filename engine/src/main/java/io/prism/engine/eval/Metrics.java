package io.prism.engine.eval;

import io.prism.vision.image.FloatImage;

/**
 * Image metrics (engine-math.md): PSNR with MAX = 1, SSIM (Wang et al. 2004: Gaussian 11×11 window, σ = 1.5,
 * K1 = 0.01, K2 = 0.03, L = 1, mean over valid window positions per channel, then averaged over channels),
 * and IoU / F1 of binary masks (values ≥ 0.5 are foreground).
 */
public final class Metrics {
    private Metrics() {}

    public static double mse(FloatImage a, FloatImage b) {
        check(a, b);
        double s = 0;
        long n = 0;
        for (int c = 0; c < a.channelCount(); c++) {
            float[] p = a.planes()[c], q = b.planes()[c];
            for (int i = 0; i < p.length; i++) {
                double d = p[i] - q[i];
                s += d * d;
            }
            n += p.length;
        }
        return s / n;
    }

    /** 10·log10(1 / MSE); capped at 100 dB for identical images. */
    public static double psnr(FloatImage a, FloatImage b) {
        double mse = mse(a, b);
        return mse <= 1e-10 ? 100 : 10 * Math.log10(1 / mse);
    }

    public static double ssim(FloatImage a, FloatImage b) {
        check(a, b);
        double sum = 0;
        for (int c = 0; c < a.channelCount(); c++) sum += ssimPlane(a.planes()[c], b.planes()[c], a.width(), a.height());
        return sum / a.channelCount();
    }

    private static final int WIN = 11;
    private static final double[] GAUSS = gaussian(WIN, 1.5);

    private static double[] gaussian(int n, double sigma) {
        double[] g = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) / 2.0;
            g[i] = Math.exp(-x * x / (2 * sigma * sigma));
            s += g[i];
        }
        for (int i = 0; i < n; i++) g[i] /= s;
        return g;
    }

    /** Separable Gaussian filtering over 'valid' positions (no padding), as in the reference implementation. */
    private static double ssimPlane(float[] x, float[] y, int w, int h) {
        if (w < WIN || h < WIN) {
            throw new IllegalArgumentException("SSIM needs images of at least " + WIN + "x" + WIN + ", got " + w + "x" + h);
        }
        double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        int ow = w - WIN + 1, oh = h - WIN + 1;
        double[] mx = filter(x, x, w, h, false), my = filter(y, y, w, h, false);
        double[] sxx = filter(x, x, w, h, true), syy = filter(y, y, w, h, true), sxy = filter(x, y, w, h, true);
        double total = 0;
        for (int i = 0; i < ow * oh; i++) {
            double vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cxy = sxy[i] - mx[i] * my[i];
            total += ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
        }
        return total / (ow * oh);
    }

    /** Gaussian-weighted local mean of x (or of x·y when product) at each valid window position. */
    private static double[] filter(float[] x, float[] y, int w, int h, boolean product) {
        int ow = w - WIN + 1, oh = h - WIN + 1;
        double[] rows = new double[ow * h];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < ow; c++) {
                double s = 0;
                for (int k = 0; k < WIN; k++) {
                    int i = r * w + c + k;
                    s += GAUSS[k] * (product ? (double) x[i] * y[i] : x[i]);
                }
                rows[r * ow + c] = s;
            }
        }
        double[] out = new double[ow * oh];
        for (int r = 0; r < oh; r++) {
            for (int c = 0; c < ow; c++) {
                double s = 0;
                for (int k = 0; k < WIN; k++) s += GAUSS[k] * rows[(r + k) * ow + c];
                out[r * ow + c] = s;
            }
        }
        return out;
    }

    /** {intersection, union, |P|, |G|} of masks thresholded at 0.5 (single channel). */
    static long[] counts(FloatImage pred, FloatImage truth) {
        check(pred, truth);
        float[] p = pred.planes()[0], g = truth.planes()[0];
        long inter = 0, uni = 0, np = 0, ng = 0;
        for (int i = 0; i < p.length; i++) {
            boolean a = p[i] >= 0.5f, b = g[i] >= 0.5f;
            if (a && b) inter++;
            if (a || b) uni++;
            if (a) np++;
            if (b) ng++;
        }
        return new long[] {inter, uni, np, ng};
    }

    /** |P ∩ G| / |P ∪ G|; 1 when both masks are empty. */
    public static double iou(FloatImage pred, FloatImage truth) {
        long[] k = counts(pred, truth);
        return k[1] == 0 ? 1 : (double) k[0] / k[1];
    }

    /** 2|P ∩ G| / (|P| + |G|); 1 when both masks are empty. */
    public static double f1(FloatImage pred, FloatImage truth) {
        long[] k = counts(pred, truth);
        return k[2] + k[3] == 0 ? 1 : 2.0 * k[0] / (k[2] + k[3]);
    }

    private static void check(FloatImage a, FloatImage b) {
        if (a.width() != b.width() || a.height() != b.height() || a.channelCount() != b.channelCount()) {
            throw new IllegalArgumentException("images differ in shape: " + a + " vs " + b);
        }
    }
}
