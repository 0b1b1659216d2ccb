package io.prism.simulator.scene;

import io.prism.simulator.math.Vec3;

/**
 * The camera's animation: an orbit around {@code target} with a gentle vertical bob and dolly. A
 * frame's camera depends on the frame number alone, so any frame can be rendered on its own, in
 * any order, on any machine, like a farm does.
 */
public record CameraPath(Vec3 target, double radius, double height, double startAngleDegrees,
                         double degreesPerFrame, double bob, double dolly, double verticalFovDegrees) {

    public Camera at(int frame) {
        double a = Math.toRadians(startAngleDegrees + degreesPerFrame * frame);
        double phase = frame * 0.11;
        double r = radius * (1 + dolly * Math.sin(phase));
        double h = height + bob * Math.sin(phase * 1.7);
        Vec3 pos = new Vec3(target.x() + r * Math.sin(a), h, target.z() + r * Math.cos(a));
        return new Camera(pos, target, verticalFovDegrees);
    }
}
