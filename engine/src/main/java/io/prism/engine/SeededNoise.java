package io.prism.engine;

import java.util.SplittableRandom;

/**
 * The initial latents of the denoising loop, drawn in Java from (seed, image, member) so that a result depends neither
 * on how members were batched nor on the device (CUDA's generator differs from the CPU's). To compare with a diffusers
 * run, pass its initial latents explicitly instead ({@code prism predict --noise}).
 */
public final class SeededNoise {
    private SeededNoise() {}

    /** n standard-normal values for one ensemble member (Box–Muller over a split stream). */
    public static float[] member(long seed, int image, int member, int n) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + image * 0xBF58476D1CE4E5B9L + member * 0x94D049BB133111EBL);
        float[] z = new float[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            z[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) z[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
        }
        return z;
    }
}
