package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.engine.Engines;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import io.prism.engine.train.AdamW;
import io.prism.engine.train.Seeds;
import io.prism.engine.train.Trainer;
import io.prism.vision.image.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ToDoubleBiFunction;

/**
 * A tiny diffusers checkpoint (SD2-style Marigold or SD3) with its {@link AutoencoderKL} fitted to reconstruct given
 * images, written as a derived checkpoint folder — so that a test of a tiny checkpoint's pipeline can measure something
 * in pixel space.
 *
 * <p>Why: the tiny fixtures' VAEs have random weights; their decoders map every latent to a near-constant image, so no
 * denoiser — trained or not — can move a decoded metric (mask IoU, albedo PSNR). A real VAE (SD2's, SD3.5's)
 * reconstructs images; the reference pipelines decode their predictions with it as it is. This gives the tiny VAE that
 * one property and nothing more: the plain autoencoder fit — posterior mean → decoder, MSE against the input in
 * [−1, 1], full batch (no random draws: deterministic for a given thread count), AdamW without decay, warm-up and cosine
 * decay — on the caller's <em>training</em> images only, preprocessed exactly as the model's latent cache encodes them.
 * Held-out images only measure the fit. The fitted latents' scale is reported, so that a drift away from the
 * unit-variance noise the diffusion starts from is visible; with {@code unitLatents} the derived config's
 * {@code scaling_factor} is set to 1 / std of the training images' latents — how Stable Diffusion's 0.18215 was
 * derived (Rombach et al., LDM: rescale by the latents' standard deviation) — else the fixture's factors are kept.
 *
 * <p>Everything but {@code vae/diffusion_pytorch_model.safetensors} (and with {@code unitLatents} {@code vae/config.json})
 * is linked from the fixture unchanged.
 */
public final class FittedTinyVae {
    public static final String WEIGHTS = "diffusion_pytorch_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A measure of the VAE on the held-out batch (N, 3, H, W) in [−1, 1], taken before and after the fit.
     *
     * @param name    what it measures, for {@link Fit#toString()}
     * @param measure (vae, held-out batch) → value; runs with autograd off, in a sub-manager of the batch's
     */
    public record Probe(String name, ToDoubleBiFunction<AutoencoderKL, NDArray> measure) {}

    /**
     * @param mseBefore   held-out reconstruction MSE (in [−1, 1]) of the fixture's VAE
     * @param mseAfter    the same after fitting
     * @param probeBefore the caller's probe on the fixture's VAE (NaN without a probe)
     * @param probeAfter  the probe on the fitted VAE
     * @param latentStd   standard deviation of the held-out scaled latents (what the diffusion's noise is compared with)
     */
    public record Fit(Path base, double mseBefore, double mseAfter, String probe, double probeBefore, double probeAfter,
                      double latentStd) {
        @Override
        public String toString() {
            return String.format("VAE fit: held-out reconstruction MSE %.4f -> %.4f, %sscaled latent std %.2f", mseBefore, mseAfter,
                    probe == null ? "" : String.format("%s %.3f -> %.3f, ", probe, probeBefore, probeAfter), latentStd);
        }
    }

    private FittedTinyVae() {}

    /**
     * Writes {@code out}: the {@code tiny} folder with its VAE fitted for {@code steps} full-batch steps at peak rate
     * {@code lr} on the training images. The images are given per VAE downsampling factor (the processing pads to a
     * multiple of it), normalised to [−1, 1], all of one size; PyTorch's thread count is the caller's.
     *
     * @param probe       an extra held-out measure, or null
     * @param unitLatents rescale the config's {@code scaling_factor} so that the training latents have unit std
     */
    public static Fit derive(Path tiny, Path out, IntFunction<List<FloatImage>> train, IntFunction<List<FloatImage>> heldOut,
                             int steps, double lr, Probe probe, boolean unitLatents) throws IOException {
        try (var files = Files.walk(tiny)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path rel = tiny.relativize(f);
                if (rel.equals(Path.of("vae", WEIGHTS)) || unitLatents && rel.equals(Path.of("vae", "config.json"))) continue;
                Files.createDirectories(out.resolve(rel).getParent());
                Trainer.link(f, out.resolve(rel));
            }
        }
        Files.createDirectories(out.resolve("vae"));
        Engine engine = Engines.pytorch(0);
        boolean grad = Engines.gradMode(false);
        try (NDManager manager = engine.newBaseManager()) {
            AutoencoderKL vae = AutoencoderKL.load(tiny.resolve("vae"), null, manager, DataType.FLOAT32, true);
            NDArray x = batch(train.apply(vae.scaleFactor()), manager), xHeld = batch(heldOut.apply(vae.scaleFactor()), manager);
            double mseBefore = mse(vae, xHeld), probeBefore = measure(probe, vae, xHeld);

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
            double std = latentStd(vae, xHeld);
            if (unitLatents) {
                double factor = vae.config().scalingFactor() / latentStd(vae, x);
                ObjectNode config = (ObjectNode) JSON.readTree(tiny.resolve("vae").resolve("config.json").toFile());
                config.put("scaling_factor", factor);
                JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("vae").resolve("config.json").toFile(), config);
                std *= factor / vae.config().scalingFactor();
            }
            return new Fit(out, mseBefore, mse(vae, xHeld), probe == null ? null : probe.name(), probeBefore,
                    measure(probe, vae, xHeld), std);
        } finally {
            Engines.gradMode(grad);
        }
    }

    /** (N, 3, H, W) of the images, in order. */
    private static NDArray batch(List<FloatImage> images, NDManager manager) {
        int w = images.get(0).width(), h = images.get(0).height(), n = w * h;
        float[] px = new float[images.size() * 3 * n];
        for (int k = 0; k < images.size(); k++) {
            FloatImage im = images.get(k);
            if (im.width() != w || im.height() != h) throw new IllegalArgumentException("images of different sizes");
            for (int c = 0; c < 3; c++) System.arraycopy(im.planes()[c], 0, px, (k * 3 + c) * n, n);
        }
        return manager.create(px, new Shape(images.size(), 3, h, w));
    }

    /** Standard deviation of the scaled latents (posterior mean) of a batch under the loaded config. */
    private static double latentStd(AutoencoderKL vae, NDArray x) {
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(m);
            NDArray z = vae.toLatent(vae.encode(in).mean());
            NDArray c = z.sub(z.mean());
            return Math.sqrt(c.mul(c).mean().getFloat());
        }
    }

    private static double mse(AutoencoderKL vae, NDArray x) {
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(m);
            NDArray d = vae.decode(vae.encode(in).mean()).sub(in);
            return d.mul(d).mean().getFloat();
        }
    }

    private static double measure(Probe probe, AutoencoderKL vae, NDArray x) {
        if (probe == null) return Double.NaN;
        try (NDManager m = x.getManager().newSubManager()) {
            NDArray in = x.duplicate();
            in.attach(m);
            return probe.measure().applyAsDouble(vae, in);
        }
    }
}
