package io.prism.simulator.scene;

import io.prism.simulator.math.Vec3;

/**
 * Surface response.
 * <ul>
 *   <li>DIFFUSE: Lambertian, colour from the texture.</li>
 *   <li>GLOSSY: Lambertian base plus a Fresnel-weighted (Schlick, F0 = {@code specular}) reflection,
 *       blurred by {@code roughness}, and Blinn-Phong highlights from the lights.</li>
 *   <li>GLASS: a smooth dielectric of index {@code ior}: Fresnel-weighted reflection and refraction,
 *       transmission filtered by {@code tint}. Glass has no albedo of its own; the texture is unused.</li>
 * </ul>
 */
public record Material(Kind kind, Texture texture, double roughness, double specular, double ior, Vec3 tint) {
    public enum Kind { DIFFUSE, GLOSSY, GLASS }

    public Material {
        if (kind != Kind.GLASS && texture == null) throw new IllegalArgumentException(kind + " material needs a texture");
        if (roughness < 0 || roughness > 1) throw new IllegalArgumentException("roughness must be in [0, 1]: " + roughness);
        if (specular < 0 || specular > 1) throw new IllegalArgumentException("specular must be in [0, 1]: " + specular);
        if (kind == Kind.GLASS && !(ior >= 1)) throw new IllegalArgumentException("glass needs ior >= 1: " + ior);
        if (tint == null) tint = Vec3.ONE;
    }

    public static Material diffuse(Texture texture) {
        return new Material(Kind.DIFFUSE, texture, 1, 0, 1, Vec3.ONE);
    }

    public static Material glossy(Texture texture, double roughness, double specular) {
        return new Material(Kind.GLOSSY, texture, roughness, specular, 1, Vec3.ONE);
    }

    public static Material glass(double ior, Vec3 tint) {
        return new Material(Kind.GLASS, null, 0, 0, ior, tint);
    }

    public boolean isGlass() { return kind == Kind.GLASS; }

    /** The ground-truth albedo at an object-local point (the value the albedo layer must hold). */
    public Vec3 albedo(Vec3 local) {
        if (isGlass()) throw new IllegalStateException("glass has no albedo of its own");
        return texture.albedo(local);
    }
}
