package io.prism.simulator.scene;

import io.prism.simulator.math.Vec3;

/**
 * A gradient sky (ground colour below the horizon, horizon to zenith above) with an optional sun
 * glow and disc. The disc is only seen by camera and mirror rays; diffuse sky lighting uses the
 * gradient alone, because the sun's light is already a {@link Light.Directional}.
 */
public record Sky(Vec3 zenith, Vec3 horizon, Vec3 ground, double intensity,
                  Vec3 sunDirection, Vec3 sunColor, double sunAngularRadius) {

    public Sky {
        if (sunDirection != null) sunDirection = sunDirection.normalize();
    }

    public static Sky gradient(Vec3 zenith, Vec3 horizon, Vec3 ground, double intensity) {
        return new Sky(zenith, horizon, ground, intensity, null, Vec3.ZERO, 0);
    }

    /** Radiance arriving along -dir (dir points away from the viewer into the sky). */
    public Vec3 radiance(Vec3 dir, boolean withSun) {
        double y = dir.y();
        Vec3 c = y >= 0
                ? horizon.lerp(zenith, Math.sqrt(y))
                : horizon.lerp(ground, Math.min(1, Math.sqrt(-y) * 2));
        c = c.mul(intensity);
        if (sunDirection != null) {
            double cos = dir.dot(sunDirection);
            if (cos > 0) {
                c = c.addScaled(sunColor, 0.6 * Math.pow(cos, 24) * intensity);
                if (withSun && cos > Math.cos(sunAngularRadius)) {
                    c = c.addScaled(sunColor, 40);
                }
            }
        }
        return c;
    }
}
