package io.prism.simulator.scene;

import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Vec3;

/** A box of half extents {@code half} centred at {@code center}, turned by {@code yaw} radians about +Y. */
public final class Box implements Shape {
    private final Vec3 center;
    private final Vec3 half;
    private final double yaw;
    private final double cos, sin; // of yaw, precomputed: hit() is the hottest code there is
    private final double bound2;   // squared radius of the bounding sphere, for a cheap early miss

    public Box(Vec3 center, Vec3 half, double yaw) {
        if (!(half.x() > 0 && half.y() > 0 && half.z() > 0)) {
            throw new IllegalArgumentException("box half extents must be positive: " + half);
        }
        this.center = center;
        this.half = half;
        this.yaw = yaw;
        this.cos = Math.cos(yaw);
        this.sin = Math.sin(yaw);
        this.bound2 = half.lengthSquared() * (1 + 1e-9);
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
        // Into the box's frame, in scalars (hot loop).
        Vec3 ro = ray.origin(), rd = ray.direction();
        double wx = ro.x() - center.x(), wy = ro.y() - center.y(), wz = ro.z() - center.z();
        // Most rays miss most boxes: reject against the bounding sphere first.
        double bb = wx * rd.x() + wy * rd.y() + wz * rd.z();
        double disc = bb * bb - (wx * wx + wy * wy + wz * wz - bound2);
        if (disc < 0) return Double.POSITIVE_INFINITY;
        double sq = Math.sqrt(disc);
        if (-bb + sq <= tMin || -bb - sq >= tMax) return Double.POSITIVE_INFINITY;
        double ox = cos * wx - sin * wz, oy = wy, oz = sin * wx + cos * wz;
        double dx = cos * rd.x() - sin * rd.z(), dy = rd.y(), dz = sin * rd.x() + cos * rd.z();
        // Slab test on the unclamped interval, so a ray starting inside (through glass) gets the exit.
        double inv = 1 / dx;
        double a = (-half.x() - ox) * inv, b = (half.x() - ox) * inv;
        double near = Math.min(a, b), far = Math.max(a, b);
        inv = 1 / dy;
        a = (-half.y() - oy) * inv;
        b = (half.y() - oy) * inv;
        near = Math.max(near, Math.min(a, b));
        far = Math.min(far, Math.max(a, b));
        inv = 1 / dz;
        a = (-half.z() - oz) * inv;
        b = (half.z() - oz) * inv;
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
