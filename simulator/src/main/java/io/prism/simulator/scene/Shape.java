package io.prism.simulator.scene;

import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Vec3;

/**
 * Geometry. Intersection is split in two so the closest-hit loop stays allocation-free: {@link #hit}
 * only finds the distance, {@link #surface} builds the normal and texture coordinates for the winner.
 */
public sealed interface Shape permits Sphere, Box, Plane {
    /** Smallest t in (tMin, tMax) where the ray meets the shape, or +infinity. */
    double hit(Ray ray, double tMin, double tMax);

    /** Outward unit normal and object-local texture point at distance t along the ray. */
    Surface surface(Ray ray, double t);

    /** What a texture needs at a hit: outward geometric normal, and the point in the shape's own frame. */
    record Surface(Vec3 normal, Vec3 local) {}
}
