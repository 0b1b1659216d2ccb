package io.prism.simulator.scene;

import io.prism.simulator.math.Vec3;

/**
 * A procedural albedo: linear RGB in [0, 1] as a pure function of the object-local hit point. Being
 * pure is what lets the albedo layer be checked exactly against the scene's ground truth.
 */
public sealed interface Texture permits Texture.Solid, Texture.Checker, Texture.Stripes, Texture.Noise {

    Vec3 albedo(Vec3 local);

    /** Short kind name, as used in statistics and scene descriptions. */
    String kind();

    record Solid(Vec3 color) implements Texture {
        public Solid { checkColor(color); }
        @Override public Vec3 albedo(Vec3 local) { return color; }
        @Override public String kind() { return "solid"; }
    }

    /** 3-D checkerboard of cell size 1/scale, turned by {@code yaw} about local +Y. */
    record Checker(Vec3 even, Vec3 odd, double scale, double yaw) implements Texture {
        public Checker { checkColor(even); checkColor(odd); }

        @Override
        public Vec3 albedo(Vec3 p) {
            double c = Math.cos(yaw), s = Math.sin(yaw);
            double u = c * p.x() - s * p.z(), w = s * p.x() + c * p.z();
            long k = (long) Math.floor(u * scale) + (long) Math.floor(p.y() * scale) + (long) Math.floor(w * scale);
            return (k & 1) == 0 ? even : odd;
        }

        @Override public String kind() { return "checker"; }
    }

    /** Bands across unit {@code direction}, {@code frequency} per unit length, cycling through {@code colors}. */
    record Stripes(Vec3[] colors, Vec3 direction, double frequency) implements Texture {
        public Stripes {
            if (colors.length < 2) throw new IllegalArgumentException("stripes need at least two colours");
            for (Vec3 col : colors) checkColor(col);
            direction = direction.normalize();
        }

        @Override
        public Vec3 albedo(Vec3 p) {
            long band = (long) Math.floor(p.dot(direction) * frequency);
            return colors[(int) Math.floorMod(band, (long) colors.length)];
        }

        @Override public String kind() { return "stripes"; }
    }

    /**
     * Fractal Perlin noise mapped through a colour ramp: smooth blotches ({@code marble = false}) or
     * veined marble ({@code marble = true}, a sine of position perturbed by turbulence).
     */
    record Noise(Vec3[] ramp, double scale, int octaves, boolean marble, PerlinNoise noise) implements Texture {
        public Noise {
            if (ramp.length < 2) throw new IllegalArgumentException("a noise ramp needs at least two colours");
            for (Vec3 col : ramp) checkColor(col);
            if (octaves < 1 || octaves > 8) throw new IllegalArgumentException("octaves must be in 1..8: " + octaves);
        }

        @Override
        public Vec3 albedo(Vec3 p) {
            double x = p.x() * scale, y = p.y() * scale, z = p.z() * scale;
            double t;
            if (marble) {
                t = 0.5 + 0.5 * Math.sin(x * 2.0 + 6.0 * noise.turbulence(x, y, z, octaves));
            } else {
                t = 0.5 + 0.75 * noise.fbm(x, y, z, octaves);
            }
            t = Math.max(0, Math.min(1, t));
            double f = t * (ramp.length - 1);
            int i = Math.min((int) f, ramp.length - 2);
            double s = f - i;
            s = s * s * (3 - 2 * s);
            return ramp[i].lerp(ramp[i + 1], s);
        }

        @Override public String kind() { return marble ? "marble" : "noise"; }
    }

    private static void checkColor(Vec3 c) {
        if (!(c.x() >= 0 && c.x() <= 1 && c.y() >= 0 && c.y() <= 1 && c.z() >= 0 && c.z() <= 1)) {
            throw new IllegalArgumentException("albedo colour outside [0, 1]: " + c);
        }
    }
}
