package io.prism.simulator.scene;

import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Vec3;

/** A box of half extents {@code half} centred at {@code center}, turned by {@code yaw} radians about +Y. */
public final class Box implements Shape {
    private final Vec3 center;
    private final Vec3 half;
    private final double yaw;
    private final double cos, sin; // of yaw, precomputed: hit() is the hottest code there is

    public Box(Vec3 center, Vec3 half, double yaw) {
        if (!(half.x() > 0 && half.y() > 0 && half.z() > 0)) {
            throw new IllegalArgumentException("box half extents must be positive: " + half);
        }
        this.center = center;
        this.half = half;
        this.yaw = yaw;
        this.cos = Math.cos(yaw);
        this.sin = Math.sin(yaw);
    }

    public Vec3 center() { return center; }
    public Vec3 half() { return half; }
    public double yaw() { return yaw; }

    private Vec3 toLocal(Vec3 d) {
        return new Vec3(cos * d.x() - sin * d.z(), d.y(), sin * d.x() + cos * d.z());
    }

    private Vec3 toWorld(Vec3 d) {
        return new Vec3(cos * d.x() + sin * d.z(), d.y(), -sin * d.x() + cos * d.z());
    }

    @Override
    public double hit(Ray ray, double tMin, double tMax) {
        Vec3 o = toLocal(ray.origin().sub(center));
        Vec3 d = toLocal(ray.direction());
        // Slab test on the unclamped interval, so a ray starting inside (through glass) gets the exit.
        double near = Double.NEGATIVE_INFINITY, far = Double.POSITIVE_INFINITY;
        double inv = 1 / d.x();
        double a = (-half.x() - o.x()) * inv, b = (half.x() - o.x()) * inv;
        near = Math.max(near, Math.min(a, b));
        far = Math.min(far, Math.max(a, b));
        inv = 1 / d.y();
        a = (-half.y() - o.y()) * inv;
        b = (half.y() - o.y()) * inv;
        near = Math.max(near, Math.min(a, b));
        far = Math.min(far, Math.max(a, b));
        inv = 1 / d.z();
        a = (-half.z() - o.z()) * inv;
        b = (half.z() - o.z()) * inv;
        near = Math.max(near, Math.min(a, b));
        far = Math.min(far, Math.max(a, b));
        if (!(near <= far)) return Double.POSITIVE_INFINITY;
        if (near > tMin && near < tMax) return near;
        if (far > tMin && far < tMax) return far;
        return Double.POSITIVE_INFINITY;
    }

    @Override
    public Surface surface(Ray ray, double t) {
        Vec3 p = toLocal(ray.at(t).sub(center));
        double ax = Math.abs(p.x()) / half.x(), ay = Math.abs(p.y()) / half.y(), az = Math.abs(p.z()) / half.z();
        // Snap the hit onto the face it lies on, so textures never flicker across a face because of rounding.
        Vec3 local;
        Vec3 n;
        if (ax >= ay && ax >= az) {
            double sx = Math.copySign(1, p.x());
            local = new Vec3(sx * half.x(), p.y(), p.z());
            n = new Vec3(sx, 0, 0);
        } else if (ay >= az) {
            double sy = Math.copySign(1, p.y());
            local = new Vec3(p.x(), sy * half.y(), p.z());
            n = new Vec3(0, sy, 0);
        } else {
            double sz = Math.copySign(1, p.z());
            local = new Vec3(p.x(), p.y(), sz * half.z());
            n = new Vec3(0, 0, sz);
        }
        return new Surface(toWorld(n), local);
    }

    @Override
    public String toString() {
        return "Box[center=" + center + ", half=" + half + ", yaw=" + yaw + "]";
    }
}
