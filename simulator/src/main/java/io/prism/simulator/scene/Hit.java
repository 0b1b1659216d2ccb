package io.prism.simulator.scene;

import io.prism.simulator.math.Vec3;

/**
 * The closest intersection of a ray with the scene.
 *
 * @param normal outward geometric normal of the shape (not flipped towards the ray)
 * @param local  the hit point in the shape's own frame, where textures are evaluated
 */
public record Hit(SceneObject object, double t, Vec3 point, Vec3 normal, Vec3 local) {
    public Material material() { return object.material(); }
}
