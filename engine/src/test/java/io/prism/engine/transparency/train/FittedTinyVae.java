package io.prism.engine.transparency.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import io.prism.engine.train.AdamW;
import io.prism.engine.train.Seeds;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;
import io.prism.vision.image.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tiny SD3 checkpoint with its VAE fitted to reconstruct simulator frames and masks, written as a derived checkpoint
 * folder — so that mask IoU through the pipeline can say something on the tiny checkpoint.
 *
 * <p>Why: the fixture's VAE has random weights; its decoder maps every latent to a near-constant image, so even the
 * ground truth's own latent decodes to IoU 0.07-0.14 and no transformer can move the pipeline's IoU. A real SD3 VAE
 * reconstructs images and masks (the reference repository relies on it: its pipeline decodes the predicted mask latent
 * with SD3.5's VAE as it is). This gives the tiny VAE that one property and nothing more: the plain autoencoder fit —
 * posterior mean → decoder, MSE against the input in [−1, 1], full batch (no random draws: deterministic for a given
 * thread count), AdamW with warm-up and cosine decay — on the beauty and the 3-channel mask of the <em>training</em>
 * pairs only, preprocessed exactly as {@link MaskLatentCache} encodes them. Held-out scenes stay unseen by both the VAE
 * and the transformer. The config (scaling_factor 1.5305, shift_factor 0.0609) is kept; the fitted latents' scale is
 * reported so that a drift away from the unit-variance noise the flow starts from would be visible.
 *
 * <p>The transformer and everything else are linked from the fixture unchanged; only
 * {@code vae/diffusion_pytorch_model.safetensors} is new.
 */
final class FittedTinyVae {
    static final String WEIGHTS = "diffusion_pytorch_model.safetensors";

    /**
     * @param mseBefore  held-out reconstruction MSE (beauty and masks, in [−1, 1]) of the fixture's VAE
     * @param mseAfter   the same after fitting
     * @param maskIou    mean over held-out pairs of IoU(channel mean of decode(encode(mask)) mapped to [0, 1] &gt; 0.5,
     *                   truth &gt; 0.5): the pipeline's own threshold path applied to the truth's latent — the ceiling a
     *                   perfect transformer could reach through this VAE
     * @param latentStd  standard deviation of the held-out scaled latents (images and masks), the flow's x₀
     */
    record Fit(Path base, double mseBefore, double mseAfter, double maskIouBefore, double maskIou, double latentStd) {
        @Override
        public String toString() {
            return String.format("VAE fit: held-out reconstruction MSE %.4f -> %.4f, decode(encode(mask)) IoU %.3f -> %.3f, "
                    + "scaled latent std %.2f", mseBefore, mseAfter, maskIouBefore, maskIou, latentStd);
        }
    }

    private FittedTinyVae() {}

    /** Writes {@code out}: the tiny folder with its VAE fitted for {@code steps} full-batch steps on {@code train}. */
    static Fit derive(Path tiny, Path out, List<TrainingPair> train, List<TrainingPair> heldOut, int resolution, int steps, double lr)
            throws IOException {
        try (var files = Files.walk(tiny)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path rel = tiny.relativize(f);
                if (rel.equals(Path.of("vae", WEIGHTS))) continue;
                Files.createDirectories(out.resolve(rel).getParent());
                Trainer.link(f, out.resolve(rel));
            }
        }
        Engine engine = Engines.pytorch(1);
        boolean grad = Engines.gradMode(false);
        try (NDManager manager = engine.newBaseManager()) {
            AutoencoderKL vae = AutoencoderKL.load(tiny.resolve("vae"), null, manager, DataType.FLOAT32, true);
            int multiple = 2 * vae.scaleFactor();                       // the pipeline's VAE factor × the transformer's patch 2
            NDArray x = batch(train, resolution, multiple, manager), xHeld = batch(heldOut, resolution, multiple, manager);
            double mseBefore = mse(vae, xHeld), iouBefore = maskIou(vae, xHeld);

            List<String> names = new ArrayList<>(vae.parameters().keySet());
            List<NDArray> weights = new ArrayList<>(vae.parameters().values());
            boolean[] decay = new boolean[weights.size()];                // no decay: a plain reconstruction fit
            try (AdamW adam = AdamW.forArrays(weights)) {
                for (NDArray w : weights) w.setRequiresGradient(true);
                Engines.gradMode(true);
                for (int step = 0; step < steps; step++) {
                    try (GradientCollector gc = engine.newGradientCollector(); NDManager m = manager.newSubManager()) {
                        NDArray in = x.duplicate();
                        in.attach(m);
                        NDArray d = vae.decode(vae.encode(in).mean()).sub(in);
                        gc.backward(d.mul(d).mean());
                    }
                    adam.stepArrays(weights, decay, Seeds.warmupCosine(step, lr, steps / 20, steps, 0.1), 0, 0);
                }
                Engines.gradMode(false);
                for (NDArray w : weights) w.setRequiresGradient(false);
            }
            Map<String, FloatTensor> fitted = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                fitted.put(names.get(i), new FloatTensor(weights.get(i).getShape().getShape(), weights.get(i).toFloatArray()));
            }
            Safetensors.write(out.resolve("vae").resolve(WEIGHTS), fitted, Map.of("format", "pt"));
            double std;
            try (NDManager m = manager.newSubManager()) {
                NDArray in = xHeld.duplicate();
                in.attach(m);
                NDArray z = vae.toLatent(vae.encode(in).mean());
                NDArray c = z.sub(z.mean());
                std = Math.sqrt(c.mul(c).mean().getFloat());
            }
            return new Fit(out, mseBefore, mse(vae, xHeld), iouBefore, maskIou(vae, xHeld), std);
        } finally {
            Engines.gradMode(grad);
        }
    }

    /** (2N, 3, H, W): every pair's beauty, then its mask, in [−1, 1] at the processing size (all pairs of one size). */
    private static NDArray batch(List<TrainingPair> pairs, int resolution, int multiple, NDManager manager) {
        List<FloatImage> images = new ArrayList<>();
        for (TrainingPair p : pairs) images.addAll(List.of(MaskLatentCache.normalised(p, resolution, multiple, io.prism.vision.color.InputEncoding.DEFAULT)));
        int w = images.get(0).width(), h = images.get(0).height(), n = w * h;
        float[] px = new float[images.size() * 3 * n];
        for (int k = 0; k < images.size(); k++) {
            FloatImage im = images.get(k);
            if (im.width() != w || im.height() != h) throw new IllegalArgumentException("pairs of different sizes");
            for (int c = 0; c < 3; c++) System.arraycopy(im.planes()[c], 0, px, (k * 3 + c) * n, n);
        }
        return manager.create(px, new Shape(images.size(), 3, h, w));
    }

    private static double mse(AutoencoderKL vae, NDArray x) {
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(m);
            NDArray d = vae.decode(vae.encode(in).mean()).sub(in);
            return d.mul(d).mean().getFloat();
        }
    }

    /** The masks (odd rows of the batch) through encode → decode → (x/2 + 0.5) clamped → channel mean → &gt; 0.5, as the pipeline thresholds. */
    private static double maskIou(AutoencoderKL vae, NDArray x) {
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(m);
            NDArray decoded = vae.decode(vae.encode(in).mean()).mul(0.5f).add(0.5f).clip(0f, 1f).mean(new int[] {1});
            int pairs = (int) x.getShape().get(0) / 2, n = (int) (x.getShape().get(2) * x.getShape().get(3));
            float[] prob = decoded.toFloatArray(), truth = in.get(":, 0").mul(0.5f).add(0.5f).toFloatArray();
            double sum = 0;
            for (int p = 0; p < pairs; p++) {
                int off = (2 * p + 1) * n;
                float[] pr = new float[n], tr = new float[n];
                for (int i = 0; i < n; i++) {
                    pr[i] = prob[off + i] > 0.5f ? 1f : 0f;
                    tr[i] = truth[off + i];
                }
                sum += TransparencyTrainer.iou(pr, tr);
            }
            return sum / pairs;
        }
    }
}
