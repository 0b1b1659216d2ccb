package io.prism.engine.transparency.train;

import io.prism.vision.color.InputEncoding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.marigold.train.LatentCache;
import io.prism.engine.train.TrainingPair;
import io.prism.vision.image.FloatImage;

import java.util.ArrayList;
import java.util.List;

/**
 * The frozen SD3 VAE's latents of every (beauty, mask) pair, encoded once before step 1: the beauty as the transparency
 * predictor preprocesses a frame (sRGB clipped to [0, 1], antialiased resize of the longest side, replicate pad to the
 * VAE factor × patch size), the ground-truth mask repeated to three channels as the reference's log_val.py / trainer.py
 * do, both mapped to [−1, 1] and encoded with {@link LatentCache#encode} (posterior mean, then (z − shift)·scale). The
 * reference samples the posterior; the mean is this project's deterministic choice, the same one its pipeline makes.
 * Also keeps the preprocessed image in [0, 1] and the mask at the processing size, for validation through the pipeline.
 */
public final class MaskLatentCache {
    /**
     * One pair: latents (C, h, w) row-major, the processed image (3, H, W) in [0, 1] and the ground-truth mask (H, W) in
     * [0, 1] at the same padded processing size.
     */
    public record Entry(float[] image, float[] mask, int height, int width, float[] pixels, float[] truth, int pixelHeight, int pixelWidth) {}

    private final List<Entry> entries;

    private MaskLatentCache(List<Entry> entries) {
        this.entries = entries;
    }

    /**
     * @param sizeMultiple the pipeline's VAE factor × patch size the processed frames are padded to
     * @param encoding     the model's input encoding (its import settings)
     */
    public static MaskLatentCache build(List<TrainingPair> pairs, int resolution, int sizeMultiple, InputEncoding encoding,
                                        AutoencoderKL vae, NDManager manager) {
        List<Entry> out = new ArrayList<>();
        boolean grad = Engines.gradMode(false);
        try {
            for (TrainingPair p : pairs) {
                FloatImage[] xy = normalised(p, resolution, sizeMultiple, encoding);
                FloatImage x = xy[0], y = xy[1];
                try (NDManager sub = manager.newSubManager()) {
                    NDArray zi = LatentCache.encode(vae, x, sub), zm = LatentCache.encode(vae, y, sub);
                    int h = (int) zi.getShape().get(2), w = (int) zi.getShape().get(3), n = x.width() * x.height();
                    float[] px = new float[3 * n], truth = new float[n];
                    for (int c = 0; c < 3; c++) for (int i = 0; i < n; i++) px[c * n + i] = x.planes()[c][i] * 0.5f + 0.5f;
                    for (int i = 0; i < n; i++) truth[i] = y.planes()[0][i] * 0.5f + 0.5f;
                    out.add(new Entry(zi.toFloatArray(), zm.toFloatArray(), h, w, px, truth, x.height(), x.width()));
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
        return new MaskLatentCache(out);
    }

    /**
     * What the VAE encodes of a pair: {beauty, mask repeated to 3 channels}, each in [−1, 1] at the padded processing size
     * (the beauty exactly as the transparency predictor preprocesses a frame, in the model's input encoding).
     */
    public static FloatImage[] normalised(TrainingPair p, int resolution, int sizeMultiple, InputEncoding encoding) {
        FloatImage beauty = clip01(encoding.encode(LatentCache.finite(InputEncoding.colour(p.beauty(), "beauty of " + p.id()))));
        float[] m = clip01(LatentCache.finite(p.target())).planes()[0];
        FloatImage mask = new FloatImage(p.target().width(), p.target().height(), List.of("R", "G", "B"),
                new float[][] {m.clone(), m.clone(), m.clone()});
        return new FloatImage[] {LatentCache.preprocess(beauty, resolution, sizeMultiple), LatentCache.preprocess(mask, resolution, sizeMultiple)};
    }

    public Entry get(int pair) {
        return entries.get(pair);
    }

    public int size() {
        return entries.size();
    }

    private static FloatImage clip01(FloatImage img) {
        FloatImage c = img.copy();
        for (float[] plane : c.planes()) for (int i = 0; i < plane.length; i++) plane[i] = Math.min(1f, Math.max(0f, plane[i]));
        return c;
    }
}
