package io.prism.simulator.scene;

import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Vec3;

public record Sphere(Vec3 center, double radius) implements Shape {
    public Sphere {
        if (!(radius > 0)) throw new IllegalArgumentException("sphere radius must be positive: " + radius);
    }

    @Override
    public double hit(Ray ray, double tMin, double tMax) {
        // Scalar form: this is the innermost loop of the renderer, keep it allocation-free.
        Vec3 o = ray.origin(), d = ray.direction();
        double ox = o.x() - center.x(), oy = o.y() - center.y(), oz = o.z() - center.z();
        double b = ox * d.x() + oy * d.y() + oz * d.z();
        double c = ox * ox + oy * oy + oz * oz - radius * radius;
        double disc = b * b - c;
        if (disc < 0) return Double.POSITIVE_INFINITY;
        double s = Math.sqrt(disc);
        double t = -b - s;
        if (t > tMin && t < tMax) return t;
        t = -b + s;
        if (t > tMin && t < tMax) return t;
        return Double.POSITIVE_INFINITY;
    }

    @Override
    public Surface surface(Ray ray, double t) {
        Vec3 local = ray.at(t).sub(center);
        return new Surface(local.mul(1 / radius), local);
    }
}
