package io.prism.simulator.scene;

import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Vec3;

/** A pinhole camera looking from {@code position} at {@code target}, with vertical field of view in degrees. */
public final class Camera {
    private final Vec3 position;
    private final Vec3 target;
    private final double verticalFovDegrees;
    private final Vec3 forward, right, up;
    private final double halfH;

    public Camera(Vec3 position, Vec3 target, double verticalFovDegrees) {
        if (!(verticalFovDegrees > 0 && verticalFovDegrees < 180)) {
            throw new IllegalArgumentException("field of view must be in (0, 180) degrees: " + verticalFovDegrees);
        }
        this.position = position;
        this.target = target;
        this.verticalFovDegrees = verticalFovDegrees;
        Vec3 view = target.sub(position);
        if (view.lengthSquared() == 0) throw new IllegalArgumentException("camera position and target coincide: " + position);
        this.forward = view.normalize();
        Vec3 side = forward.cross(Vec3.UP);
        if (side.lengthSquared() < 1e-18) throw new IllegalArgumentException("camera looks straight up or down; its roll would be undefined");
        this.right = side.normalize();
        this.up = right.cross(forward);
        this.halfH = Math.tan(Math.toRadians(verticalFovDegrees) / 2);
    }

    public Vec3 position() { return position; }
    public Vec3 target() { return target; }
    public double verticalFovDegrees() { return verticalFovDegrees; }
    /** Unit view axis; depth (Z) is measured along it. */
    public Vec3 forward() { return forward; }

    /**
     * The primary ray through continuous pixel coordinates (px, py) of a width x height image:
     * (0, 0) is the top-left corner of the top-left pixel; pixel centres sit at +0.5.
     */
    public Ray ray(double px, double py, int width, int height) {
        double halfW = halfH * width / height;
        double sx = (2 * px / width - 1) * halfW;
        double sy = (1 - 2 * py / height) * halfH;
        Vec3 d = forward.addScaled(right, sx).addScaled(up, sy).normalize();
        return new Ray(position, d);
    }

    @Override
    public String toString() {
        return "Camera[" + position + " -> " + target + ", fov " + verticalFovDegrees + "]";
    }
}
