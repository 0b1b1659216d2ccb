package io.prism.simulator.scene;

/** A named shape with its material. */
public record SceneObject(String name, Shape shape, Material material) {}
