package io.prism.simulator.math;

/** A ray origin + t * direction; direction is unit length. */
public record Ray(Vec3 origin, Vec3 direction) {
    public Vec3 at(double t) { return origin.addScaled(direction, t); }
}
