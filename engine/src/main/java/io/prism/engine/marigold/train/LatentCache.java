package io.prism.engine.marigold.train;

import io.prism.vision.color.InputEncoding;
import io.prism.engine.AlbedoEncoding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.image.ImageOps;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.marigold.MarigoldImageProcessor;
import io.prism.engine.marigold.MarigoldPipeline;
import io.prism.engine.train.TrainingPair;
import io.prism.vision.image.FloatImage;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen VAE's latents of every training pair, encoded once per (pair, processing resolution, flip) so that an
 * epoch never re-runs the encoder: image latent and target latents = posterior mean × scaling factor of the pair
 * preprocessed exactly as the inference pipeline preprocesses an input (sRGB in [0, 1] → [−1, 1], antialiased resize of
 * the longest side to the resolution, replicate padding to the VAE factor).
 *
 * <p>Targets without ground truth in the pairs (e.g. an IID checkpoint's {@code material} when only albedo is rendered)
 * are supervised by the starting model's own prediction, computed once here by the pipeline with a fixed seed, so a
 * fine-tune of one target does not erase the others.
 */
public final class LatentCache {
    /** One cached sample: latents (4, h, w) for the image and (4·T, h, w) for the targets, row-major. */
    public record Entry(float[] image, float[] targets, int height, int width) {}

    private record Key(int pair, boolean flip) {}

    private final int resolution;
    private final Map<Key, Entry> entries = new HashMap<>();

    private LatentCache(int resolution) {
        this.resolution = resolution;
    }

    /**
     * Encodes {@code pairs} (and their horizontal flips when {@code flips}).
     *
     * @param checkpoint what the model predicts: target order and spaces
     * @param task       the target the pairs hold ground truth for
     * @param teacher    the starting model's pipeline for targets without ground truth (null when every target has it)
     * @param seed       the teacher's noise seed
     */
    public static LatentCache build(List<TrainingPair> pairs, int resolution, boolean flips, AutoencoderKL vae,
                                    MarigoldCheckpoint checkpoint, String task, MarigoldPipeline teacher, int teacherSteps, long seed,
                                    NDManager manager) {
        LatentCache cache = new LatentCache(resolution);
        int supervised = checkpoint.targets().indexOf(checkpoint.target(task));
        if (supervised < 0) throw new IllegalArgumentException("no target " + task + " in " + checkpoint.targets());
        if (checkpoint.targets().size() > 1 && teacher == null) {
            throw new IllegalArgumentException("targets " + checkpoint.targets() + " without ground truth need the starting model");
        }
        boolean grad = Engines.gradMode(false);
        try {
            for (int i = 0; i < pairs.size(); i++) {
                for (boolean flip : flips ? new boolean[] {false, true} : new boolean[] {false}) {
                    TrainingPair p = pairs.get(i);
                    FloatImage image = inputImage(p, checkpoint);
                    FloatImage target = targetImage(p, checkpoint.targets().get(supervised));
                    if (flip) {
                        image = ImageOps.flipHorizontal(image);
                        target = ImageOps.flipHorizontal(target);
                    }
                    cache.entries.put(new Key(i, flip), cache.encode(image, target, supervised, vae, checkpoint, teacher,
                            teacherSteps, seed, manager));
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
        return cache;
    }

    public Entry get(int pair, boolean flip) {
        Entry e = entries.get(new Key(pair, flip));
        if (e == null) throw new IllegalArgumentException("no latents for pair " + pair + (flip ? " (flipped)" : ""));
        return e;
    }

    public int resolution() {
        return resolution;
    }

    private Entry encode(FloatImage srgbImage, FloatImage srgbTarget, int supervised, AutoencoderKL vae, MarigoldCheckpoint checkpoint,
                         MarigoldPipeline teacher, int teacherSteps, long seed, NDManager manager) {
        int t = checkpoint.targets().size();
        try (NDManager m = manager.newSubManager()) {
            NDArray img = encode(vae, preprocess(srgbImage, resolution, vae.scaleFactor()), m);       // (1, 4, h, w)
            NDArray tgt = encode(vae, preprocess(srgbTarget, resolution, vae.scaleFactor()), m);
            Shape s = img.getShape();
            int h = (int) s.get(2), w = (int) s.get(3), plane = 4 * h * w;
            float[] targets = new float[t * plane];
            if (t > 1) {
                MarigoldPipeline.Settings settings = new MarigoldPipeline.Settings(teacherSteps, 1, resolution, false, 1, "median",
                        false, seed, null);
                MarigoldPipeline.Output o = teacher.run(List.of(srgbImage), settings, null);
                if (o.latents().length != targets.length) {
                    throw new IllegalStateException("the starting model's latents (" + o.latents().length + ") do not match the "
                            + "encoded targets (" + targets.length + ")");
                }
                System.arraycopy(o.latents(), 0, targets, 0, targets.length);
            }
            System.arraycopy(tgt.toFloatArray(), 0, targets, supervised * plane, plane);
            return new Entry(img.toFloatArray(), targets, h, w);
        }
    }

    /** Posterior mean × scaling factor (float32) of an image (1, 3, H, W) in [−1, 1]. */
    public static NDArray encode(AutoencoderKL vae, FloatImage normalised, NDManager m) {
        int w = normalised.width(), h = normalised.height();
        float[] px = new float[3 * w * h];
        for (int c = 0; c < 3; c++) System.arraycopy(normalised.planes()[c], 0, px, c * w * h, w * h);
        NDArray x = m.create(px, new Shape(1, 3, h, w));
        return vae.toLatent(vae.encode(x).mean()).toType(DataType.FLOAT32, false);
    }

    /** As the inference pipeline: [0, 1] → [−1, 1], antialiased resize to the processing size, replicate pad to f. */
    public static FloatImage preprocess(FloatImage srgb, int resolution, int f) {
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) {
            float[] p = srgb.planes()[c], q = new float[p.length];
            for (int i = 0; i < p.length; i++) q[i] = p[i] * 2 - 1;
            planes[c] = q;
        }
        FloatImage x = new FloatImage(srgb.width(), srgb.height(), List.of("R", "G", "B"), planes);
        int[] ps = MarigoldImageProcessor.processingSize(srgb.width(), srgb.height(), resolution);
        int[] pad = MarigoldImageProcessor.padding(ps[0], ps[1], f);
        return MarigoldImageProcessor.padReplicate(MarigoldImageProcessor.resizeAntialias(x, ps[0], ps[1]), pad[0], pad[1]);
    }

    /**
     * A pair's image and its ground truth for {@code task} in [−1, 1] at the processing size, exactly as {@link #build}
     * encodes them (unflipped): what a VAE fitted for this model must reconstruct.
     */
    public static FloatImage[] normalised(TrainingPair p, MarigoldCheckpoint checkpoint, String task, int resolution, int f) {
        MarigoldCheckpoint.Target target = checkpoint.target(task);
        if (target == null) throw new IllegalArgumentException("no target " + task + " in " + checkpoint.targets());
        return new FloatImage[] {preprocess(inputImage(p, checkpoint), resolution, f), preprocess(targetImage(p, target), resolution, f)};
    }

    /** The beauty as the model takes it, in [0, 1]: the checkpoint's input encoding of the finite colour channels. */
    static FloatImage inputImage(TrainingPair p, MarigoldCheckpoint checkpoint) {
        return checkpoint.inputEncoding().encode(finite(InputEncoding.colour(p.beauty(), "beauty of " + p.id())));
    }

    /** The ground truth in the target's prediction space, in [0, 1]: sRGB-encoded albedo, or linear albedo clipped. */
    static FloatImage targetImage(TrainingPair p, MarigoldCheckpoint.Target target) {
        FloatImage linear = finite(InputEncoding.colour(p.target(), target.name() + " of " + p.id()));
        if (target.predictionSpace().equals("srgb")) return AlbedoEncoding.toSrgb(linear);
        if (!target.predictionSpace().equals("linear")) {
            throw new IllegalArgumentException("target " + target.name() + " is predicted in '" + target.predictionSpace()
                    + "' space; ground truth is given for srgb or linear targets only");
        }
        FloatImage c = linear.copy();
        for (float[] plane : c.planes()) for (int i = 0; i < plane.length; i++) plane[i] = Math.min(1f, Math.max(0f, plane[i]));
        return c;
    }

    /** Non-finite pixels (renderer fireflies, missing AOV samples) become 0, as the compact trainer does. */
    public static FloatImage finite(FloatImage img) {
        FloatImage c = img.copy();
        for (float[] plane : c.planes()) for (int i = 0; i < plane.length; i++) if (!Float.isFinite(plane[i])) plane[i] = 0;
        return c;
    }
}
