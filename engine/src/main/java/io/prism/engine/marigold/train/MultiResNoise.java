package io.prism.engine.marigold.train;

import io.prism.engine.train.Seeds;
import io.prism.vision.color.Resize;

import java.util.SplittableRandom;

/**
 * Marigold's multi-resolution noise ({@code multi_res_noise_like}, downscale strategy "original"): Gaussian noise
 * plus up to ten coarser Gaussian fields, each at a size divided by a random factor r^i (r uniform in [2, 4), applied to
 * the previous level's size as Marigold does), bilinearly upsampled (align_corners=False) and weighted by strength^i,
 * then scaled to unit standard deviation. Drawn in Java from the sample's stream, so it does not depend on batching or
 * device. Normalised per sample (Marigold divides by the batch's std; the difference is sampling noise).
 */
public final class MultiResNoise {
    private MultiResNoise() {}

    /**
     * Noise of {@code channels} planes of h × w.
     *
     * @param strength 0 gives plain Gaussian noise (no normalisation)
     */
    public static float[] sample(SplittableRandom rng, int channels, int h, int w, double strength) {
        float[] noise = Seeds.gaussian(rng, channels * h * w);
        if (strength <= 0) return noise;
        double[] acc = new double[noise.length];
        for (int i = 0; i < acc.length; i++) acc[i] = noise[i];
        int lw = w, lh = h;
        for (int level = 0; level < 10; level++) {
            double r = rng.nextDouble() * 2 + 2;
            double div = Math.pow(r, level);
            lw = Math.max(1, (int) (lw / div));
            lh = Math.max(1, (int) (lh / div));
            float[] small = Seeds.gaussian(rng, channels * lh * lw);
            double weight = Math.pow(strength, level);
            for (int c = 0; c < channels; c++) {
                float[] plane = new float[lh * lw];
                System.arraycopy(small, c * lh * lw, plane, 0, lh * lw);
                float[] up = Resize.resize(plane, lw, lh, w, h, Resize.Filter.BILINEAR_NO_ANTIALIAS);
                for (int i = 0; i < h * w; i++) acc[c * h * w + i] += up[i] * weight;
            }
            if (lw == 1 || lh == 1) break;
        }
        double mean = 0;
        for (double v : acc) mean += v;
        mean /= acc.length;
        double ss = 0;
        for (double v : acc) ss += (v - mean) * (v - mean);
        double std = Math.sqrt(ss / Math.max(1, acc.length - 1));                   // torch.std: unbiased
        for (int i = 0; i < acc.length; i++) noise[i] = (float) (acc[i] / std);
        return noise;
    }
}
