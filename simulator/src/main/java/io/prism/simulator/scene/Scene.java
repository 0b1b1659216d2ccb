package io.prism.simulator.scene;

import io.prism.simulator.Style;
import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Vec3;

import java.util.List;

/** Everything needed to render any frame of a shot: geometry, lights, sky and the camera's path. */
public record Scene(Style style, long seed, List<SceneObject> objects, List<Light> lights, Sky sky, CameraPath cameraPath) {

    public Scene {
        objects = List.copyOf(objects);
        lights = List.copyOf(lights);
    }

    /** The closest hit in (tMin, tMax), or null. */
    public Hit intersect(Ray ray, double tMin, double tMax) {
        SceneObject best = null;
        double bestT = tMax;
        for (int i = 0, n = objects.size(); i < n; i++) {
            SceneObject o = objects.get(i);
            double t = o.shape().hit(ray, tMin, bestT);
            if (t < bestT) {
                bestT = t;
                best = o;
            }
        }
        if (best == null) return null;
        Shape.Surface s = best.shape().surface(ray, bestT);
        return new Hit(best, bestT, ray.at(bestT), s.normal(), s.local());
    }

    /**
     * Fraction of light that passes from {@code origin} along {@code dir} for {@code maxDist}: 0 if
     * anything opaque is in the way, otherwise the product of the tints of the glass crossed
     * (a cheap stand-in for caustics, so glass casts coloured, lighter shadows).
     */
    public Vec3 transmittance(Vec3 origin, Vec3 dir, double maxDist) {
        Ray r = new Ray(origin, dir);
        Vec3 tr = Vec3.ONE;
        for (int i = 0, n = objects.size(); i < n; i++) {
            SceneObject o = objects.get(i);
            if (o.shape().hit(r, 1e-4, maxDist) < Double.POSITIVE_INFINITY) {
                if (!o.material().isGlass()) return Vec3.ZERO;
                tr = tr.mul(o.material().tint()).mul(0.85);
            }
        }
        return tr;
    }
}
