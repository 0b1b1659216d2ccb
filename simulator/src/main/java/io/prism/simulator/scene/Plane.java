package io.prism.simulator.scene;

import io.prism.simulator.math.Onb;
import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Vec3;

/**
 * An infinite plane through {@code point} with unit {@code normal}. Its texture point is
 * (u, 0, v) in the plane's own frame: exactly 0 off-plane, so 3-D textures slice it cleanly.
 */
public record Plane(Vec3 point, Vec3 normal) implements Shape {
    public Plane {
        normal = normal.normalize();
    }

    @Override
    public double hit(Ray ray, double tMin, double tMax) {
        Vec3 o = ray.origin();
        double denom = normal.dot(ray.direction());
        if (Math.abs(denom) < 1e-12) return Double.POSITIVE_INFINITY;
        double t = ((point.x() - o.x()) * normal.x() + (point.y() - o.y()) * normal.y() + (point.z() - o.z()) * normal.z()) / denom;
        return (t > tMin && t < tMax) ? t : Double.POSITIVE_INFINITY;
    }

    @Override
    public Surface surface(Ray ray, double t) {
        Vec3 rel = ray.at(t).sub(point);
        Onb b = Onb.around(normal);
        return new Surface(normal, new Vec3(rel.dot(b.u()), 0, rel.dot(b.v())));
    }
}
