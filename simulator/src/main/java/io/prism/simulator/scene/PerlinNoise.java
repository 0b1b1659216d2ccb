package io.prism.simulator.scene;

import io.prism.simulator.math.Rng;

/** Ken Perlin's improved gradient noise (2002) with a permutation drawn from a seed. */
public final class PerlinNoise {
    private final int[] perm = new int[512];

    public PerlinNoise(long seed) {
        int[] p = new int[256];
        for (int i = 0; i < 256; i++) p[i] = i;
        Rng rng = new Rng(seed);
        for (int i = 255; i > 0; i--) {
            int j = rng.nextInt(0, i);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        for (int i = 0; i < 512; i++) perm[i] = p[i & 255];
    }

    /** Noise in roughly [-1, 1], 0 on the integer lattice. */
    public double noise(double x, double y, double z) {
        int ix = floor(x), iy = floor(y), iz = floor(z);
        double fx = ix, fy = iy, fz = iz;
        int X = ix & 255, Y = iy & 255, Z = iz & 255;
        x -= fx; y -= fy; z -= fz;
        double u = fade(x), v = fade(y), w = fade(z);
        int A = perm[X] + Y, AA = perm[A] + Z, AB = perm[A + 1] + Z;
        int B = perm[X + 1] + Y, BA = perm[B] + Z, BB = perm[B + 1] + Z;
        return lerp(w,
                lerp(v, lerp(u, grad(perm[AA], x, y, z), grad(perm[BA], x - 1, y, z)),
                        lerp(u, grad(perm[AB], x, y - 1, z), grad(perm[BB], x - 1, y - 1, z))),
                lerp(v, lerp(u, grad(perm[AA + 1], x, y, z - 1), grad(perm[BA + 1], x - 1, y, z - 1)),
                        lerp(u, grad(perm[AB + 1], x, y - 1, z - 1), grad(perm[BB + 1], x - 1, y - 1, z - 1))));
    }

    /** Fractional Brownian motion: octaves of noise at doubling frequency and halving amplitude. */
    public double fbm(double x, double y, double z, int octaves) {
        double sum = 0, amp = 0.5, freq = 1;
        for (int i = 0; i < octaves; i++) {
            sum += amp * noise(x * freq, y * freq, z * freq);
            amp *= 0.5;
            freq *= 2;
        }
        return sum;
    }

    /** Sum of |noise| over octaves, the classic marble perturbation. */
    public double turbulence(double x, double y, double z, int octaves) {
        double sum = 0, amp = 0.5, freq = 1;
        for (int i = 0; i < octaves; i++) {
            sum += amp * Math.abs(noise(x * freq, y * freq, z * freq));
            amp *= 0.5;
            freq *= 2;
        }
        return sum;
    }

    /** Math.floor as an int, without the library call (texture coordinates are far inside int range). */
    private static int floor(double v) {
        int i = (int) v;
        return v < i ? i - 1 : i;
    }

    private static double fade(double t) { return t * t * t * (t * (t * 6 - 15) + 10); }

    private static double lerp(double t, double a, double b) { return a + t * (b - a); }

    private static double grad(int hash, double x, double y, double z) {
        int h = hash & 15;
        double u = h < 8 ? x : y;
        double v = h < 4 ? y : (h == 12 || h == 14 ? x : z);
        return ((h & 1) == 0 ? u : -u) + ((h & 2) == 0 ? v : -v);
    }
}
