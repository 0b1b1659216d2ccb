package io.prism.simulator;

import io.prism.simulator.math.Rng;
import io.prism.simulator.math.Vec3;
import io.prism.simulator.scene.Box;
import io.prism.simulator.scene.CameraPath;
import io.prism.simulator.scene.Light;
import io.prism.simulator.scene.Material;
import io.prism.simulator.scene.PerlinNoise;
import io.prism.simulator.scene.Plane;
import io.prism.simulator.scene.Scene;
import io.prism.simulator.scene.SceneObject;
import io.prism.simulator.scene.Shape;
import io.prism.simulator.scene.Sky;
import io.prism.simulator.scene.Sphere;
import io.prism.simulator.scene.Texture;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Draws a random scene for (style, seed). Two independent random streams: the layout stream
 * (shapes, sizes, positions, which objects are glass, camera path) depends on the seed only; the
 * look stream (materials, textures, colours, lights, sky) on seed and style. So one seed rendered
 * in two styles shows the same shot in two looks.
 */
public final class SceneGenerator {
    /** Objects are scattered within this radius of the origin, where the camera looks. */
    private static final double SPREAD = 3.6;

    private final Style style;

    public SceneGenerator(Style style) {
        this.style = Objects.requireNonNull(style, "style");
    }

    public Style style() { return style; }

    public static Scene generate(Style style, long seed) {
        return new SceneGenerator(style).generate(seed);
    }

    public Scene generate(long seed) {
        Rng layout = Rng.keyed(seed, 0x1A7007L);
        Rng look = Rng.keyed(seed, 0x100CL, style.ordinal());

        // Glass: one or two objects placed first, near the centre, so glass is in view for the whole orbit.
        int glassCount = layout.chance(0.5) ? 2 : 1;
        List<Placed> placed = scatter(layout, glassCount);
        for (int i = 0; i < glassCount && i < placed.size(); i++) placed.get(i).glass = true;

        CameraPath path = new CameraPath(
                new Vec3(0, 0.7, 0),
                layout.uniform(8.0, 9.5),
                layout.uniform(2.8, 4.6),
                layout.uniform(0, 360),
                layout.uniform(1.0, 1.8) * (layout.chance(0.5) ? 1 : -1),
                0.25, 0.05,
                layout.uniform(40, 48));

        List<SceneObject> objects = new ArrayList<>();
        objects.add(new SceneObject("ground", new Plane(Vec3.ZERO, Vec3.UP), groundMaterial(look)));
        int n = 0;
        for (Placed p : placed) {
            Material m = p.glass ? glassMaterial(look) : objectMaterial(look);
            String kind = p.shape instanceof Sphere ? "sphere" : "box";
            objects.add(new SceneObject(kind + "-" + (n++), p.shape, m));
        }
        List<Light> lights = lights(look);
        return new Scene(style, seed, objects, lights, sky(look, lights), path);
    }

    // ---------------------------------------------------------------- layout (seed only)

    private static final class Placed {
        final Shape shape;
        final double x, z, footprint;
        boolean glass;

        Placed(Shape shape, double x, double z, double footprint) {
            this.shape = shape;
            this.x = x;
            this.z = z;
            this.footprint = footprint;
        }
    }

    /** Non-overlapping objects on the ground; the first {@code central} ones near the centre and large. */
    private static List<Placed> scatter(Rng rng, int central) {
        int want = rng.nextInt(6, 10) + central;
        List<Placed> out = new ArrayList<>();
        for (int attempt = 0; attempt < 600 && out.size() < want; attempt++) {
            boolean centre = out.size() < central;
            boolean sphere = rng.chance(centre ? 0.7 : 0.55);
            // The central region widens with failed attempts, so a large first object cannot block the second.
            // Others keep out of the middle, so they hide less of the glass from the orbiting camera.
            double r = centre
                    ? Math.sqrt(rng.nextDouble()) * Math.min(SPREAD, 1.6 + 0.02 * attempt)
                    : Math.sqrt(rng.uniform(0.3, 1.0)) * SPREAD;
            double a = rng.uniform(0, 2 * Math.PI);
            double x = r * Math.cos(a), z = r * Math.sin(a);
            Shape shape;
            double footprint;
            if (sphere) {
                double radius = centre ? rng.uniform(0.7, 1.1) : rng.uniform(0.35, 1.1);
                boolean floating = !centre && rng.chance(0.15);
                shape = new Sphere(new Vec3(x, radius + (floating ? rng.uniform(0.2, 0.8) : 0), z), radius);
                footprint = radius;
            } else {
                double lo = centre ? 0.5 : 0.25;
                Vec3 half = new Vec3(rng.uniform(lo + 0.05, 0.9), rng.uniform(lo, 1.0), rng.uniform(lo + 0.05, 0.9));
                // A hair above the ground: a bottom face coplanar with the ground would leak rays through glass.
                shape = new Box(new Vec3(x, half.y() + 1e-3, z), half, rng.uniform(0, Math.PI));
                footprint = Math.hypot(half.x(), half.z());
            }
            boolean free = true;
            for (Placed p : out) {
                if (Math.hypot(p.x - x, p.z - z) < p.footprint + footprint + 0.1) {
                    free = false;
                    break;
                }
            }
            if (free) out.add(new Placed(shape, x, z, footprint));
        }
        return out;
    }

    // ---------------------------------------------------------------- look (seed and style)

    /** A colour from the style's palette, as linear RGB in [0, 1]. */
    Vec3 paletteColor(Rng rng) {
        return switch (style) {
            case STUDIO -> hsv(rng.uniform(0, 360), rng.uniform(0.12, 0.55), rng.uniform(0.45, 0.9));
            case SUNSET -> hsv(rng.uniform(-45, 55), rng.uniform(0.55, 0.95), rng.uniform(0.5, 0.95));
            case NEON -> rng.chance(0.45)
                    ? hsv(rng.uniform(180, 330), rng.uniform(0.3, 0.8), rng.uniform(0.06, 0.22))
                    : hsv(rng.chance(0.2) ? rng.uniform(85, 130) : rng.uniform(170, 330), rng.uniform(0.75, 1.0), rng.uniform(0.65, 1.0));
        };
    }

    private Texture texture(Rng rng) {
        double[] w = switch (style) {
            //                solid checker stripes noise marble
            case STUDIO -> new double[]{0.25, 0.25, 0.15, 0.2, 0.15};
            case SUNSET -> new double[]{0.3, 0.1, 0.05, 0.35, 0.2};
            case NEON -> new double[]{0.1, 0.2, 0.55, 0.1, 0.05};
        };
        return switch (rng.pick(w)) {
            case 0 -> new Texture.Solid(paletteColor(rng));
            case 1 -> new Texture.Checker(paletteColor(rng), paletteColor(rng), rng.uniform(1.5, 5), rng.uniform(0, Math.PI));
            case 2 -> new Texture.Stripes(colors(rng, rng.chance(0.3) ? 3 : 2), rng.unitVector(), rng.uniform(2, 7));
            case 3 -> new Texture.Noise(colors(rng, rng.nextInt(2, 3)), rng.uniform(1.5, 4), rng.nextInt(3, 5), false, new PerlinNoise(rng.nextLong()));
            default -> new Texture.Noise(colors(rng, 2), rng.uniform(1, 2.5), 5, true, new PerlinNoise(rng.nextLong()));
        };
    }

    private Vec3[] colors(Rng rng, int n) {
        Vec3[] c = new Vec3[n];
        for (int i = 0; i < n; i++) c[i] = paletteColor(rng);
        return c;
    }

    private Material objectMaterial(Rng rng) {
        double glossyProb = switch (style) {
            case STUDIO -> 0.35;
            case SUNSET -> 0.25;
            case NEON -> 0.65;
        };
        Texture t = texture(rng);
        if (rng.chance(glossyProb)) {
            double rough = style == Style.NEON ? rng.uniform(0.15, 0.3) : rng.uniform(0.02, 0.35);
            return Material.glossy(t, rough, rng.uniform(0.04, 0.12));
        }
        return Material.diffuse(t);
    }

    private Material glassMaterial(Rng rng) {
        Vec3 tint = switch (style) {
            case STUDIO -> new Vec3(rng.uniform(0.9, 1), rng.uniform(0.92, 1), rng.uniform(0.92, 1));
            case SUNSET -> new Vec3(1, rng.uniform(0.8, 0.95), rng.uniform(0.65, 0.85));
            case NEON -> new Vec3(rng.uniform(0.7, 0.95), rng.uniform(0.85, 1), 1);
        };
        return Material.glass(rng.uniform(1.45, 1.6), tint);
    }

    private Material groundMaterial(Rng rng) {
        return switch (style) {
            case STUDIO -> rng.chance(0.5)
                    ? Material.diffuse(new Texture.Checker(Vec3.gray(rng.uniform(0.55, 0.75)), Vec3.gray(rng.uniform(0.3, 0.45)),
                    rng.uniform(0.5, 1.2), rng.uniform(0, Math.PI)))
                    : Material.diffuse(new Texture.Noise(new Vec3[]{Vec3.gray(0.35), hsv(rng.uniform(0, 360), 0.1, 0.6)},
                    rng.uniform(0.4, 1.0), 4, false, new PerlinNoise(rng.nextLong())));
            case SUNSET -> Material.diffuse(new Texture.Noise(
                    new Vec3[]{hsv(rng.uniform(20, 40), 0.6, 0.45), hsv(rng.uniform(30, 45), 0.45, 0.75), hsv(rng.uniform(10, 30), 0.7, 0.55)},
                    rng.uniform(0.3, 0.8), 5, false, new PerlinNoise(rng.nextLong())));
            case NEON -> Material.glossy(new Texture.Checker(Vec3.gray(rng.uniform(0.03, 0.08)), hsv(rng.uniform(180, 300), 0.5, 0.18),
                    rng.uniform(0.6, 1.5), rng.uniform(0, Math.PI)), rng.uniform(0.02, 0.12), 0.06);
        };
    }

    private List<Light> lights(Rng rng) {
        List<Light> ls = new ArrayList<>();
        switch (style) {
            case STUDIO -> {
                double a = rng.uniform(0, 2 * Math.PI);
                double size = rng.uniform(2.0, 3.0);
                Vec3 c = new Vec3(Math.cos(a) * 2.5 - size / 2, rng.uniform(5.5, 7), Math.sin(a) * 2.5 - size / 2);
                // edgeU x edgeV = -Y: the rectangle emits downwards.
                ls.add(new Light.Area(c, new Vec3(size, 0, 0), new Vec3(0, 0, size), new Vec3(1.0, 0.97, 0.92), rng.uniform(9.0, 11.0)));
                double b = a + Math.PI + rng.uniform(-0.8, 0.8);
                ls.add(new Light.Point(new Vec3(Math.cos(b) * 5, rng.uniform(2.5, 4), Math.sin(b) * 5),
                        new Vec3(0.85, 0.92, 1.0), rng.uniform(8, 14), 0.5));
            }
            case SUNSET -> {
                double az = rng.uniform(0, 2 * Math.PI);
                double el = Math.toRadians(rng.uniform(6, 16));
                Vec3 sun = new Vec3(Math.cos(el) * Math.cos(az), Math.sin(el), Math.cos(el) * Math.sin(az));
                ls.add(new Light.Directional(sun, new Vec3(1.0, rng.uniform(0.45, 0.6), rng.uniform(0.15, 0.3)),
                        rng.uniform(3.0, 4.0), Math.toRadians(2.0)));
            }
            case NEON -> {
                int n = rng.nextInt(3, 5);
                double a0 = rng.uniform(0, 2 * Math.PI);
                for (int i = 0; i < n; i++) {
                    double a = a0 + 2 * Math.PI * i / n + rng.uniform(-0.3, 0.3);
                    double r = rng.uniform(2.0, 4.5);
                    double hue = rng.chance(0.25) ? rng.uniform(90, 130) : rng.uniform(170, 330);
                    ls.add(new Light.Point(new Vec3(Math.cos(a) * r, rng.uniform(0.6, 3.0), Math.sin(a) * r),
                            hsv(hue, rng.uniform(0.8, 1.0), 1.0), rng.uniform(14, 26), rng.uniform(0.15, 0.4)));
                }
            }
        }
        return ls;
    }

    private Sky sky(Rng rng, List<Light> lights) {
        return switch (style) {
            case STUDIO -> Sky.gradient(new Vec3(0.5, 0.6, 0.78), new Vec3(0.82, 0.84, 0.88), Vec3.gray(0.3), rng.uniform(0.35, 0.45));
            case SUNSET -> {
                // The sky's sun sits where the directional light comes from.
                Light.Directional sun = (Light.Directional) lights.get(0);
                yield new Sky(new Vec3(0.16, 0.12, 0.42), new Vec3(1.0, rng.uniform(0.4, 0.5), 0.18), new Vec3(0.25, 0.12, 0.08),
                        rng.uniform(0.55, 0.7), sun.direction(), sun.color(), Math.toRadians(2.0));
            }
            case NEON -> Sky.gradient(new Vec3(0.015, 0.01, 0.05), new Vec3(0.08, 0.03, 0.14), Vec3.gray(0.02), 1.0);
        };
    }

    /** HSV (hue in degrees, any range) to linear RGB; the palette is specified in this perceptual-ish space. */
    static Vec3 hsv(double hueDeg, double s, double v) {
        double h = ((hueDeg % 360) + 360) % 360 / 60.0;
        int i = (int) Math.floor(h);
        double f = h - i;
        double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        double r, g, b;
        switch (i) {
            case 0 -> { r = v; g = t; b = p; }
            case 1 -> { r = q; g = v; b = p; }
            case 2 -> { r = p; g = v; b = t; }
            case 3 -> { r = p; g = q; b = v; }
            case 4 -> { r = t; g = p; b = v; }
            default -> { r = v; g = p; b = q; }
        }
        return new Vec3(clamp(r), clamp(g), clamp(b));
    }

    private static double clamp(double x) { return Math.max(0, Math.min(1, x)); }
}
