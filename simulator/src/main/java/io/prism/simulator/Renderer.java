package io.prism.simulator;

import io.prism.simulator.math.Ray;
import io.prism.simulator.math.Rng;
import io.prism.simulator.math.Vec3;
import io.prism.simulator.scene.Camera;
import io.prism.simulator.scene.Hit;
import io.prism.simulator.scene.Light;
import io.prism.simulator.scene.Material;
import io.prism.simulator.scene.Scene;
import io.prism.simulator.scene.Sky;
import io.prism.vision.image.FloatImage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A small distribution ray tracer (Whitted-style recursion with Monte Carlo soft shadows, glossy
 * blur and one sky-occlusion ray per sample).
 *
 * <h2>Layers of a frame ({@link #CHANNELS})</h2>
 * <ul>
 *   <li>{@code R,G,B,A} beauty, scene-linear, antialiased over {@code samples} jittered rays per pixel.
 *       The sky is part of the picture, so every pixel is opaque: A = 1 and RGB is trivially premultiplied.</li>
 *   <li>{@code albedo.R/G/B}, {@code mask.Y}, {@code N.X/Y/Z}, {@code Z} are data layers, sampled with
 *       ONE ray through the pixel centre and never filtered (like a renderer's "closest" filter for
 *       data AOVs: averaged depths and normals at edges would be values no surface has). Hence:
 *       <ul>
 *         <li>where the centre ray's first hit is not glass, albedo is exactly the material's texture
 *             colour at that hit, and mask = 0;</li>
 *         <li>where the first hit is glass, mask = 1 exactly, and albedo is the albedo of the first
 *             non-glass surface seen straight through the glass (following refraction, reflection
 *             only on total internal reflection), times the tints of the glass crossed; 0 if the
 *             path ends in the sky (a common convention for denoiser albedo through dielectrics);</li>
 *         <li>sky pixels: albedo 0, mask 0, normal (0,0,0), Z = +infinity.</li>
 *       </ul>
 *       The mask is therefore binary, and edges of glass are as sharp as the pixel grid.</li>
 *   <li>{@code N} is the world-space unit normal of the first hit, flipped to face the camera.</li>
 *   <li>{@code Z} is the distance from the camera plane along the view axis (camera-space depth).</li>
 * </ul>
 *
 * <h2>Determinism</h2>
 * Every pixel draws its random numbers from its own stream keyed by (scene seed, frame, x, y), so an
 * image is bit-identical for any number of threads and any scheduling.
 */
public final class Renderer {
    public static final List<String> CHANNELS = List.of(
            "R", "G", "B", "A", "albedo.R", "albedo.G", "albedo.B", "mask.Y", "N.X", "N.Y", "N.Z", "Z");
    public static final int MAX_SIZE = 8192;
    /** 12 float layers per pixel: 16 Mpixel is 800 MB of planes, plenty for a synthetic farm. */
    public static final long MAX_PIXELS = 1L << 24;
    public static final int MAX_SAMPLES = 4096;

    private static final double EPS = 1e-4;
    /** Per-sample cap on light arriving by a bounce: tames fireflies from small bright highlights. */
    private static final double INDIRECT_CLAMP = 8.0;
    /** Rows handed to a worker at a time. */
    private static final int ROWS_PER_TASK = 4;

    private final int maxDepth;

    public Renderer() {
        this(6);
    }

    /** @param maxDepth the most bounces (reflections / refractions) followed from a camera ray */
    public Renderer(int maxDepth) {
        if (maxDepth < 1 || maxDepth > 32) throw new IllegalArgumentException("maxDepth must be in 1..32: " + maxDepth);
        this.maxDepth = maxDepth;
    }

    /** A clear error for sizes the renderer refuses (before anything is allocated). */
    public static void checkSize(int width, int height) {
        if (width < 1 || height < 1 || width > MAX_SIZE || height > MAX_SIZE || (long) width * height > MAX_PIXELS) {
            throw new IllegalArgumentException("image size must be 1.." + MAX_SIZE + " per side and at most " + MAX_PIXELS
                    + " pixels, got " + width + "x" + height);
        }
    }

    public RenderedFrame render(Scene scene, int frame, int width, int height, int samples, int threads) {
        Objects.requireNonNull(scene, "scene");
        checkSize(width, height);
        if (samples < 1 || samples > MAX_SAMPLES) {
            throw new IllegalArgumentException("samples per pixel must be 1.." + MAX_SAMPLES + ", got " + samples);
        }
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);

        long t0 = System.nanoTime();
        FloatImage img = FloatImage.blank(width, height, CHANNELS);
        Camera cam = scene.cameraPath().at(frame);
        Job job = new Job(scene, frame, cam, img, samples);

        int workers = Math.min(threads, (height + ROWS_PER_TASK - 1) / ROWS_PER_TASK);
        AtomicInteger nextRow = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable work = () -> {
            try {
                int y0;
                while (failure.get() == null && (y0 = nextRow.getAndAdd(ROWS_PER_TASK)) < height) {
                    for (int y = y0; y < Math.min(height, y0 + ROWS_PER_TASK); y++) {
                        for (int x = 0; x < width; x++) job.pixel(x, y);
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        };
        if (workers == 1) {
            work.run();
        } else {
            List<Thread> pool = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                Thread t = new Thread(work, "prism-render-" + i);
                t.setDaemon(true);
                t.start();
                pool.add(t);
            }
            try {
                for (Thread t : pool) t.join();
            } catch (InterruptedException e) {
                failure.compareAndSet(null, e);
                for (Thread t : pool) t.interrupt();
                Thread.currentThread().interrupt();
                throw new CancellationException("render of frame " + frame + " interrupted");
            }
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error err) throw err;
        if (f != null) throw new IllegalStateException("render of frame " + frame + " failed", f);
        return new RenderedFrame(frame, img, Duration.ofNanos(System.nanoTime() - t0));
    }

    /** The per-frame state shared (read-only, apart from disjoint pixel writes) by the workers. */
    private final class Job {
        final Scene scene;
        final int frame;
        final Camera cam;
        final FloatImage img;
        final int samples;
        final int w, h;
        final float[][] planes;
        final Sky sky;
        final List<Light> lights;

        Job(Scene scene, int frame, Camera cam, FloatImage img, int samples) {
            this.scene = scene;
            this.frame = frame;
            this.cam = cam;
            this.img = img;
            this.samples = samples;
            this.w = img.width();
            this.h = img.height();
            this.planes = img.planes();
            this.sky = scene.sky();
            this.lights = scene.lights();
        }

        void pixel(int x, int y) {
            int i = y * w + x;
            Rng rng = Rng.keyed(scene.seed(), frame, x, y);
            PixelSampler ps = new PixelSampler(rng, samples, DIM_LIGHTS + lights.size());
            double r = 0, g = 0, b = 0;
            for (int s = 0; s < samples; s++) {
                ps.sample = s;
                Vec3 c = radiance(cam.ray(x + ps.u(DIM_PIXEL, 0), y + ps.u(DIM_PIXEL, 1), w, h), 0, ps);
                r += c.x();
                g += c.y();
                b += c.z();
            }
            planes[0][i] = (float) (r / samples);
            planes[1][i] = (float) (g / samples);
            planes[2][i] = (float) (b / samples);
            planes[3][i] = 1f;
            dataLayers(i, cam.ray(x + 0.5, y + 0.5, w, h));
        }

        /** albedo, mask, N, Z from the pixel-centre ray (see the class comment). */
        void dataLayers(int i, Ray ray) {
            Hit hit = scene.intersect(ray, 0, Double.POSITIVE_INFINITY);
            if (hit == null) {
                planes[11][i] = Float.POSITIVE_INFINITY;
                return; // albedo, mask and N stay 0
            }
            Vec3 nf = hit.normal().dot(ray.direction()) < 0 ? hit.normal() : hit.normal().neg();
            planes[8][i] = (float) nf.x();
            planes[9][i] = (float) nf.y();
            planes[10][i] = (float) nf.z();
            planes[11][i] = (float) (hit.t() * ray.direction().dot(cam.forward()));
            Vec3 albedo;
            if (hit.material().isGlass()) {
                planes[7][i] = 1f;
                albedo = albedoThroughGlass(ray, hit);
            } else {
                albedo = hit.material().albedo(hit.local());
            }
            planes[4][i] = (float) albedo.x();
            planes[5][i] = (float) albedo.y();
            planes[6][i] = (float) albedo.z();
        }

        Vec3 albedoThroughGlass(Ray ray, Hit hit) {
            Vec3 filter = Vec3.ONE;
            for (int bounce = 0; bounce < 16 && hit != null; bounce++) {
                Material m = hit.material();
                if (!m.isGlass()) return filter.mul(m.albedo(hit.local()));
                boolean front = hit.normal().dot(ray.direction()) < 0;
                Vec3 nf = front ? hit.normal() : hit.normal().neg();
                if (front) filter = filter.mul(m.tint());
                Vec3 d = Vec3.refract(ray.direction(), nf, front ? 1 / m.ior() : m.ior());
                Vec3 o;
                if (d == null) {
                    d = Vec3.reflect(ray.direction(), nf);
                    o = hit.point().addScaled(nf, EPS);
                } else {
                    o = hit.point().addScaled(nf, -EPS);
                }
                ray = new Ray(o, d.normalize());
                hit = scene.intersect(ray, 0, Double.POSITIVE_INFINITY);
            }
            return Vec3.ZERO;
        }

        Vec3 radiance(Ray ray, int depth, PixelSampler ps) {
            Rng rng = ps.rng;
            Hit hit = scene.intersect(ray, 0, Double.POSITIVE_INFINITY);
            Vec3 dir = ray.direction();
            if (hit == null) return sky.radiance(dir, true);
            Material m = hit.material();
            boolean front = hit.normal().dot(dir) < 0;
            Vec3 nf = front ? hit.normal() : hit.normal().neg();
            double cosI = -dir.dot(nf);

            if (m.isGlass()) {
                if (depth >= maxDepth) return sky.radiance(dir, false).mul(m.tint());
                double eta = front ? 1 / m.ior() : m.ior();
                Vec3 refr = Vec3.refract(dir, nf, eta);
                double f = refr == null ? 1 : fresnelDielectric(cosI, eta);
                Ray reflRay = new Ray(hit.point().addScaled(nf, EPS), Vec3.reflect(dir, nf).normalize());
                Vec3 filter = front ? m.tint() : Vec3.ONE;
                if (refr == null) return clampIndirect(radiance(reflRay, depth + 1, ps));
                Ray refrRay = new Ray(hit.point().addScaled(nf, -EPS), refr.normalize());
                if (depth == 0) {
                    // First interface: follow both branches, the noise-free way.
                    Vec3 lr = clampIndirect(radiance(reflRay, depth + 1, ps));
                    Vec3 lt = radiance(refrRay, depth + 1, ps).mul(filter);
                    return lr.mul(f).add(lt.mul(1 - f));
                }
                // Deeper: pick one branch with probability = its Fresnel weight (unbiased).
                return rng.nextDouble() < f
                        ? clampIndirect(radiance(reflRay, depth + 1, ps))
                        : radiance(refrRay, depth + 1, ps).mul(filter);
            }

            Vec3 albedo = m.albedo(hit.local());
            Vec3 p = hit.point().addScaled(nf, EPS);
            boolean glossy = m.kind() == Material.Kind.GLOSSY;
            double shininess = glossy ? Math.min(600, Math.max(4, 2 / (m.roughness() * m.roughness() + 1e-4) - 2)) : 0;
            double fr = glossy ? schlick(m.specular(), cosI) : 0;
            Vec3 direct = Vec3.ZERO;
            Vec3 highlight = Vec3.ZERO;
            for (int li = 0, n = lights.size(); li < n; li++) {
                Light.Sample ls = depth == 0
                        ? lights.get(li).sample(p, ps.u(DIM_LIGHTS + li, 0), ps.u(DIM_LIGHTS + li, 1))
                        : lights.get(li).sample(p, rng);
                double cos = nf.dot(ls.direction());
                if (cos <= 0 || ls.irradiance().maxComponent() <= 0) continue;
                Vec3 tr = scene.transmittance(p, ls.direction(), ls.distance() - 2 * EPS);
                if (tr.maxComponent() <= 0) continue;
                Vec3 e = ls.irradiance().mul(tr).mul(cos);
                direct = direct.add(e);
                if (glossy) {
                    Vec3 half = ls.direction().sub(dir).normalize();
                    double nh = Math.max(0, nf.dot(half));
                    double d = (shininess + 8) / (8 * Math.PI) * Math.pow(nh, shininess);
                    highlight = highlight.addScaled(e, d * schlick(m.specular(), Math.max(0, ls.direction().dot(half))));
                }
            }
            Vec3 diffuse = albedo.mul(direct).mul(1 / Math.PI);

            // Sky light: one cosine-weighted occlusion ray on camera hits, the unoccluded sky otherwise.
            Vec3 ambient;
            if (depth == 0) {
                Vec3 d = Rng.cosineHemisphere(nf, ps.u(DIM_SKY, 0), ps.u(DIM_SKY, 1));
                Vec3 tr = scene.transmittance(p, d, 1e3);
                ambient = tr.maxComponent() > 0 ? albedo.mul(sky.radiance(d, false)).mul(tr) : Vec3.ZERO;
            } else {
                ambient = albedo.mul(sky.radiance(nf, false)).mul(0.7);
            }
            Vec3 base = diffuse.add(ambient);
            if (!glossy) return base;

            Vec3 mirror = Vec3.reflect(dir, nf);
            Vec3 reflected;
            if (depth + 1 < maxDepth) {
                Vec3 rd = m.roughness() > 0 ? mirror.addScaled(rng.unitVector(), m.roughness()) : mirror;
                if (rd.dot(nf) <= 1e-3) rd = mirror;
                reflected = clampIndirect(radiance(new Ray(p, rd.normalize()), depth + 1, ps));
            } else {
                reflected = sky.radiance(mirror, false);
            }
            return base.mul(1 - fr).add(reflected.mul(fr)).add(highlight);
        }
    }

    private static Vec3 clampIndirect(Vec3 c) {
        double m = c.maxComponent();
        return m > INDIRECT_CLAMP ? c.mul(INDIRECT_CLAMP / m) : c;
    }

    /** Schlick's approximation of Fresnel reflectance with normal-incidence reflectance f0. */
    static double schlick(double f0, double cos) {
        double k = 1 - Math.max(0, Math.min(1, cos));
        double k2 = k * k;
        return f0 + (1 - f0) * k2 * k2 * k;
    }

    /** Exact unpolarised Fresnel reflectance of a dielectric interface; eta = n_incident / n_transmitted. */
    static double fresnelDielectric(double cosI, double eta) {
        double sin2T = eta * eta * (1 - cosI * cosI);
        if (sin2T >= 1) return 1;
        double cosT = Math.sqrt(1 - sin2T);
        double rs = (eta * cosI - cosT) / (eta * cosI + cosT);
        double rp = (eta * cosT - cosI) / (eta * cosT + cosI);
        return 0.5 * (rs * rs + rp * rp);
    }

    private static double frac(double v) { return v - Math.floor(v); }

    // Sample dimensions (pairs) stratified across a pixel's samples on camera-ray hits.
    private static final int DIM_PIXEL = 0, DIM_SKY = 1, DIM_LIGHTS = 2;

    /**
     * Stratified sample points for one pixel: the R2 low-discrepancy sequence (Roberts 2018) with a
     * random toroidal shift per dimension pair, and a random permutation of the sample index per
     * pair, so that the sub-pixel position, the sky ray and each light sample are decorrelated.
     */
    private static final class PixelSampler {
        private static final double G1 = 0.7548776662466927, G2 = 0.5698402909980532;
        final Rng rng;
        final double[] shift;
        final int[][] perm;
        int sample;

        PixelSampler(Rng rng, int samples, int dims) {
            this.rng = rng;
            this.shift = new double[2 * dims];
            this.perm = new int[dims][];
            for (int d = 0; d < dims; d++) {
                shift[2 * d] = rng.nextDouble();
                shift[2 * d + 1] = rng.nextDouble();
                int[] p = new int[samples];
                for (int k = 0; k < samples; k++) p[k] = k;
                for (int k = samples - 1; k > 0 && d > 0; k--) {
                    int j = rng.nextInt(0, k);
                    int t = p[k]; p[k] = p[j]; p[j] = t;
                }
                perm[d] = p;
            }
        }

        /** Coordinate {@code axis} (0 or 1) of the current sample's point in dimension pair {@code dim}. */
        double u(int dim, int axis) {
            int idx = perm[dim][sample];
            return frac(shift[2 * dim + axis] + idx * (axis == 0 ? G1 : G2));
        }
    }
}
