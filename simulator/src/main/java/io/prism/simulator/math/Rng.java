package io.prism.simulator.math;

/**
 * A small, fast, non-thread-safe random stream (SplitMix64). The renderer makes one per pixel from
 * (seed, frame, x, y), so an image never depends on how pixels are spread over threads.
 */
public final class Rng {
    private long state;

    public Rng(long seed) { this.state = seed; }

    /** A stream keyed by several integers, mixed so that neighbouring keys give unrelated streams. */
    public static Rng keyed(long... keys) {
        long h = 0x9E3779B97F4A7C15L;
        for (long k : keys) {
            h = mix(h ^ mix(k + 0x632BE59BD9B4E019L));
        }
        return new Rng(h);
    }

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    public double uniform(double lo, double hi) { return lo + (hi - lo) * nextDouble(); }

    /** Uniform integer in [lo, hi] inclusive. */
    public int nextInt(int lo, int hi) {
        if (hi < lo) throw new IllegalArgumentException("empty range " + lo + ".." + hi);
        // Lemire's multiply-shift: unbiased enough for bounds far below 2^32, and no division.
        long bound = (long) hi - lo + 1;
        return lo + (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    public boolean chance(double p) { return nextDouble() < p; }

    /** Uniform direction on the unit sphere. */
    public Vec3 unitVector() { return unitVector(nextDouble(), nextDouble()); }

    /** Cosine-weighted direction in the hemisphere around unit normal n (pdf = cos / pi). */
    public Vec3 cosineHemisphere(Vec3 n) { return cosineHemisphere(n, nextDouble(), nextDouble()); }

    /** Uniform direction inside a cone of half-angle {@code halfAngle} around unit axis. */
    public Vec3 cone(Vec3 axis, double halfAngle) { return cone(axis, halfAngle, nextDouble(), nextDouble()); }

    // The same warps from given uniforms (u1, u2) in [0, 1)^2, so callers can feed stratified points.

    public static Vec3 unitVector(double u1, double u2) {
        double z = 2 * u1 - 1;
        double a = 2 * Math.PI * u2;
        double r = Math.sqrt(Math.max(0, 1 - z * z));
        return new Vec3(r * Math.cos(a), r * Math.sin(a), z);
    }

    public static Vec3 cosineHemisphere(Vec3 n, double u1, double u2) {
        double phi = 2 * Math.PI * u1;
        double r = Math.sqrt(u2);
        return Onb.around(n).toWorld(r * Math.cos(phi), r * Math.sin(phi), Math.sqrt(Math.max(0, 1 - u2)));
    }

    public static Vec3 cone(Vec3 axis, double halfAngle, double u1, double u2) {
        double cosMax = Math.cos(halfAngle);
        double cosT = 1 - u1 * (1 - cosMax);
        double sinT = Math.sqrt(Math.max(0, 1 - cosT * cosT));
        double phi = 2 * Math.PI * u2;
        return Onb.around(axis).toWorld(sinT * Math.cos(phi), sinT * Math.sin(phi), cosT);
    }

    /** Weighted choice: index i with probability weights[i] / sum. */
    public int pick(double... weights) {
        double sum = 0;
        for (double w : weights) sum += w;
        double u = nextDouble() * sum;
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0) return i;
        }
        return weights.length - 1;
    }
}
