package io.prism.engine.train;

import java.util.SplittableRandom;

/**
 * The trainers' stateless randomness: every draw (sample order, augmentation, noise, timesteps) comes from a stream
 * keyed by (seed, step, …), so a run's checkpoint needs no generator state for an exact resume, and the same learning
 * rate schedule for both trainers.
 */
public final class Seeds {
    private Seeds() {}

    /** A well-mixed 64-bit key from three values (SplitMix64 finaliser over a multiplicative combination). */
    public static long mix(long a, long b, long c) {
        long z = a * 0x9E3779B97F4A7C15L ^ (b + 0x632BE59BD9B4E019L) * 0xBF58476D1CE4E5B9L ^ (c + 0x2545F4914F6CDD1DL) * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** n standard-normal values from {@code rng} (Box–Muller, two per pair of uniforms). */
    public static float[] gaussian(SplittableRandom rng, int n) {
        float[] eps = new float[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble(), r = Math.sqrt(-2 * Math.log(u1));
            eps[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) eps[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
        }
        return eps;
    }

    /** The sample order of one epoch: a Fisher–Yates shuffle of 0..n−1 seeded by (data seed, epoch). */
    public static int[] permutation(long dataSeed, long epoch, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(mix(dataSeed, epoch, 17));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Linear warm-up to {@code peak} over {@code warmup} steps, then cosine decay to peak × minFactor at {@code total}. */
    public static double warmupCosine(int step, double peak, int warmup, int total, double minFactor) {
        if (step < warmup) return peak * (step + 1) / warmup;
        double p = (double) (step - warmup) / Math.max(1, total - warmup);
        double min = peak * minFactor;
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, p)));
    }
}
