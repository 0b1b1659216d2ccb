package io.prism.simulator.scene;

import io.prism.simulator.math.Rng;
import io.prism.simulator.math.Vec3;

/**
 * A light that can be sampled from a shading point. Every light has extent (a sphere radius, a
 * rectangle, an angular diameter), so random samples give soft shadows.
 */
public sealed interface Light permits Light.Point, Light.Area, Light.Directional {

    /** One sample of the light as seen from {@code p}, placed on the light by uniforms (u1, u2) in [0, 1)^2. */
    Sample sample(Vec3 p, double u1, double u2);

    /** One random sample of the light as seen from {@code p}. */
    default Sample sample(Vec3 p, Rng rng) {
        return sample(p, rng.nextDouble(), rng.nextDouble());
    }

    /** Light colour times intensity, for statistics and descriptions. */
    Vec3 power();

    /**
     * @param direction unit vector from the shading point towards the sampled light point
     * @param distance  to the sampled point (+infinity for directional light)
     * @param irradiance arriving on a surface facing the light (before the receiver's cosine)
     */
    record Sample(Vec3 direction, double distance, Vec3 irradiance) {}

    /**
     * A spherical light of {@code radius}; falls off with the inverse square of distance. The sampled
     * point on the sphere sets the shadow ray (soft shadows); the irradiance uses the distance to the
     * centre, which keeps close-up lighting free of the 1/d^2 noise of a sampled distance.
     */
    record Point(Vec3 position, Vec3 color, double intensity, double radius) implements Light {
        @Override
        public Sample sample(Vec3 p, double u1, double u2) {
            Vec3 q = radius > 0 ? position.addScaled(Rng.unitVector(u1, u2), radius) : position;
            Vec3 d = q.sub(p);
            double dist = Math.max(d.length(), 1e-3);
            double dc2 = Math.max(position.sub(p).lengthSquared(), radius * radius + 1e-4);
            return new Sample(d.mul(1 / dist), dist, color.mul(intensity / dc2));
        }

        @Override public Vec3 power() { return color.mul(intensity); }
    }

    /** A one-sided rectangle {@code corner + a*edgeU + b*edgeV}, emitting {@code radiance} along edgeU x edgeV. */
    record Area(Vec3 corner, Vec3 edgeU, Vec3 edgeV, Vec3 color, double radiance) implements Light {
        @Override
        public Sample sample(Vec3 p, double u1, double u2) {
            Vec3 q = corner.addScaled(edgeU, u1).addScaled(edgeV, u2);
            Vec3 cross = edgeU.cross(edgeV);
            double area = cross.length();
            Vec3 n = cross.mul(1 / area);
            Vec3 d = q.sub(p);
            double d2 = Math.max(d.lengthSquared(), 1e-4);
            double dist = Math.sqrt(d2);
            Vec3 dir = d.mul(1 / dist);
            double cosL = -dir.dot(n);
            if (cosL <= 0) return new Sample(dir, dist, Vec3.ZERO);
            // Area sampling: L * cos(light) * A / d^2.
            return new Sample(dir, dist, color.mul(radiance * cosL * area / d2));
        }

        @Override public Vec3 power() { return color.mul(radiance * edgeU.cross(edgeV).length()); }
    }

    /** A distant light (the sun) towards unit {@code direction}, with angular radius for soft shadows. */
    record Directional(Vec3 direction, Vec3 color, double irradiance, double angularRadius) implements Light {
        public Directional {
            direction = direction.normalize();
        }

        @Override
        public Sample sample(Vec3 p, double u1, double u2) {
            Vec3 dir = angularRadius > 0 ? Rng.cone(direction, angularRadius, u1, u2) : direction;
            return new Sample(dir, Double.POSITIVE_INFINITY, color.mul(irradiance));
        }

        @Override public Vec3 power() { return color.mul(irradiance); }
    }
}
