package io.prism.engine.marigold;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.Engines;
import io.prism.engine.SeededNoise;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.schedule.NoiseScheduler;
import io.prism.vision.image.FloatImage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Marigold inference with diffusers' semantics (MarigoldIntrinsicsPipeline / MarigoldDepthPipeline /
 * MarigoldNormalsPipeline): an SD2 UNet denoises target latents conditioned on the image latent and the empty-prompt
 * embedding, the VAE decodes them. Sections as in diffusers: preprocess → latents → denoise in batches → decode →
 * unpad → ensemble → resize back. Notation: N images, E ensemble members, T targets, f the VAE's scale factor.
 *
 * <p>Not thread-safe: one native model; the predictor around it serialises calls.
 */
public final class MarigoldPipeline implements AutoCloseable {
    private final MarigoldCheckpoint checkpoint;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final NDArray emptyTextEmbedding;   // (1, L, cross_attention_dim)
    private final NoiseScheduler scheduler;
    private final NDManager manager;
    private final DataType dtype;

    public MarigoldPipeline(MarigoldCheckpoint checkpoint, UNet2DConditionModel unet, AutoencoderKL vae, NDArray emptyTextEmbedding,
                            NoiseScheduler scheduler, NDManager manager, DataType dtype) {
        this.checkpoint = Objects.requireNonNull(checkpoint);
        this.unet = Objects.requireNonNull(unet);
        this.vae = Objects.requireNonNull(vae);
        this.emptyTextEmbedding = Objects.requireNonNull(emptyTextEmbedding);
        this.scheduler = Objects.requireNonNull(scheduler);
        this.manager = manager;
        this.dtype = dtype;
        int expected = checkpoint.unetInChannels();
        if (unet.config().inChannels() != expected || unet.config().outChannels() != expected - 4) {
            throw new io.prism.engine.diffusers.InvalidCheckpointException(checkpoint.dir().resolve("unet/config.json")
                    + ": in_channels " + unet.config().inChannels() + " / out_channels " + unet.config().outChannels()
                    + " do not fit " + checkpoint.targets().size() + " target(s) (" + expected + " / " + (expected - 4) + " expected)");
        }
    }

    public MarigoldCheckpoint checkpoint() {
        return checkpoint;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    /** The empty-prompt conditioning (1, L, D) the UNet cross-attends to. */
    public NDArray emptyTextEmbedding() {
        return emptyTextEmbedding;
    }

    /**
     * One call's settings, diffusers' arguments of the same names.
     *
     * @param processingResolution longest side to work at; 0 = native; must be a multiple of f
     * @param reduction            intrinsics and depth: "median" or "mean"; normals: "closest" or "mean"
     * @param latents              initial latents (N·E, 4T, h, w) flattened, or null for {@link SeededNoise} from {@code seed}
     */
    public record Settings(int steps, int ensembleSize, int processingResolution, boolean matchInputResolution, int batchSize,
                           String reduction, boolean outputUncertainty, long seed, float[] latents) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("steps must be >= 1");
            if (ensembleSize < 1) throw new IllegalArgumentException("ensemble size must be >= 1");
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1");
            if (processingResolution < 0) throw new IllegalArgumentException("processing resolution must be >= 0");
        }
    }

    /**
     * Per image and target: the prediction (decoded image, in [0, 1] for intrinsics and depth, unit vectors for
     * normals) and the uncertainty (null unless E > 1 and asked for), at the input size when matchInputResolution.
     *
     * @param latents the final denoised latents (N·E, 4T, h, w), flattened, to save and re-run
     */
    public record Output(List<List<FloatImage>> predictions, List<List<FloatImage>> uncertainties, float[] latents, long[] latentShape,
                         int processedWidth, int processedHeight) {}

    /**
     * Runs the pipeline on images of one size (R, G, B planes in [0, 1]). {@code probe}, if not null, receives the
     * intermediates under diffusers' fixture names (preprocessed_image, image_latent, member{m}_step{s}_unet_out, ...).
     */
    public Output run(List<FloatImage> images, Settings s, BiConsumer<String, NDArray> probe) {
        int n = images.size(), e = s.ensembleSize(), t = checkpoint.targets().size(), f = vae.scaleFactor();
        if (n == 0) throw new IllegalArgumentException("no images");
        int width = images.get(0).width(), height = images.get(0).height();
        for (FloatImage img : images) {
            if (img.width() != width || img.height() != height) throw new IllegalArgumentException("images of one call must share a size");
            if (img.channelCount() != 3) throw new IllegalArgumentException("images must have 3 channels (R, G, B)");
        }
        if (s.processingResolution() % f != 0) {
            throw new IllegalArgumentException("processing resolution " + s.processingResolution() + " is not a multiple of " + f);
        }
        BiConsumer<String, NDArray> record = probe == null ? (k, v) -> {} : probe;
        boolean grad = Engines.gradMode(false);
        try (NDManager m = manager.newSubManager()) {
            // 1. Preprocess: [0,1] → [−1,1], resize the longest side to the processing resolution (antialiased), pad to f
            int[] ps = MarigoldImageProcessor.processingSize(width, height, s.processingResolution());
            int[] pad = MarigoldImageProcessor.padding(ps[0], ps[1], f);                          // {ph, pw}
            int pw = ps[0] + pad[1], ph = ps[1] + pad[0];
            float[] pixels = new float[n * 3 * pw * ph];
            for (int i = 0; i < n; i++) {
                FloatImage x = MarigoldImageProcessor.padReplicate(
                        MarigoldImageProcessor.resizeAntialias(normalise(images.get(i)), ps[0], ps[1]), pad[0], pad[1]);
                for (int c = 0; c < 3; c++) System.arraycopy(x.planes()[c], 0, pixels, (i * 3 + c) * pw * ph, pw * ph);
            }
            NDArray image = m.create(pixels, new Shape(n, 3, ph, pw));                              // [N,3,PPH,PPW]
            record.accept("preprocessed_image", image);
            int h = ph / f, w = pw / f;

            // 2. Latents: image latent = posterior mean × scaling factor, repeated per member; initial target latents
            NDArray imageLatent = encode(image, s.batchSize()).repeat(0, e);                        // [N*E,4,h,w]
            record.accept("image_latent", imageLatent);
            int perMember = 4 * t * h * w;
            float[] init = s.latents();
            if (init == null) {
                init = new float[n * e * perMember];
                // keyed by (seed, member) only: a frame's result never depends on the other frames of its batch
                for (int i = 0; i < n; i++) {
                    for (int k = 0; k < e; k++) System.arraycopy(SeededNoise.member(s.seed(), 0, k, perMember), 0, init, (i * e + k) * perMember, perMember);
                }
            } else if (init.length != n * e * perMember) {
                throw new IllegalArgumentException("initial latents hold " + init.length + " values, (" + n * e + ", " + 4 * t + ", "
                        + h + ", " + w + ") expected");
            }
            NDArray predLatent = m.create(init, new Shape(n * e, 4 * t, h, w));                     // [N*E,4T,h,w]
            record.accept("init_pred_latent", predLatent);

            // 3. Denoise, batch_size members at a time
            NDList done = new NDList();
            for (int b0 = 0; b0 < n * e; b0 += s.batchSize()) {
                int b1 = Math.min(n * e, b0 + s.batchSize());
                done.add(denoise(imageLatent.get(b0 + ":" + b1), predLatent.get(b0 + ":" + b1), s.steps(), b0, record));
            }
            NDArray latentOut = done.size() == 1 ? done.get(0) : NDArrays.concat(done, 0);        // [N*E,4T,h,w]

            // 4. Decode each target's 4 channels as its own image: row m·T + k is target k of member m
            NDArray decoded = decode(latentOut.reshape(n * e * t, 4, h, w), s.batchSize(), record);   // [N*E*T,C,PPH,PPW]
            long channels = decoded.getShape().get(1);
            float[] all = decoded.toType(DataType.FLOAT32, false).toFloatArray();

            // 5. Unpad, 6. ensemble per image and target, 7. resize back
            List<List<FloatImage>> predictions = new ArrayList<>(), uncertainties = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<FloatImage> preds = new ArrayList<>(), uncs = new ArrayList<>();
                for (int k = 0; k < t; k++) {
                    List<FloatImage> members = new ArrayList<>();
                    for (int j = 0; j < e; j++) {
                        int row = (i * e + j) * t + k;
                        FloatImage full = planes(all, row, (int) channels, pw, ph);
                        members.add(MarigoldImageProcessor.unpad(full, pad[0], pad[1]));             // [C,PH,PW]
                    }
                    MarigoldEnsemble.Result r = MarigoldEnsemble.reduce(checkpoint, members, s.reduction(), s.outputUncertainty());
                    FloatImage pred = r.prediction(), unc = r.uncertainty();
                    if (s.matchInputResolution()) {
                        pred = MarigoldImageProcessor.resizeBilinear(pred, width, height);              // [C,H,W]
                        if (checkpoint.kind() == MarigoldCheckpoint.Kind.NORMALS) pred = MarigoldEnsemble.normalise(pred);
                        if (unc != null) unc = MarigoldImageProcessor.resizeBilinear(unc, width, height);
                    }
                    preds.add(pred);
                    uncs.add(unc);
                }
                predictions.add(preds);
                uncertainties.add(uncs);
            }
            float[] latents = latentOut.toType(DataType.FLOAT32, false).toFloatArray();
            return new Output(predictions, uncertainties, latents, new long[] {n * e, 4L * t, h, w}, ps[0], ps[1]);
        } finally {
            Engines.gradMode(grad);
        }
    }

    private static FloatImage normalise(FloatImage img) {
        float[][] out = new float[3][];
        for (int c = 0; c < 3; c++) {
            float[] p = img.planes()[c], q = new float[p.length];
            for (int i = 0; i < p.length; i++) q[i] = p[i] * 2 - 1;                                // x·2 − 1, before resizing
            out[c] = q;
        }
        return new FloatImage(img.width(), img.height(), List.of("R", "G", "B"), out);
    }

    private static FloatImage planes(float[] all, int row, int channels, int w, int h) {
        float[][] p = new float[channels][];
        for (int c = 0; c < channels; c++) p[c] = Arrays.copyOfRange(all, (row * channels + c) * w * h, (row * channels + c + 1) * w * h);
        List<String> names = new ArrayList<>();
        for (int c = 0; c < channels; c++) names.add("c" + c);
        return new FloatImage(w, h, names, p);
    }

    /** VAE posterior mean, scaled (× 0.18215 for SD2), batch_size images at a time. [N,3,PPH,PPW] → [N,4,h,w] */
    private NDArray encode(NDArray image, int batch) {
        NDList parts = new NDList();
        long n = image.getShape().get(0);
        for (long i = 0; i < n; i += batch) {
            NDArray chunk = image.get(i + ":" + Math.min(n, i + batch)).toType(dtype, false);
            parts.add(vae.toLatent(vae.encode(chunk).mean()).toType(DataType.FLOAT32, false));
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    /** The DDIM loop for one batch of members: UNet on [image latent ‖ target latents] → v → scheduler step. */
    private NDArray denoise(NDArray imageLatent, NDArray latent, int steps, int firstMember, BiConsumer<String, NDArray> record) {
        NDManager parent = latent.getManager();
        int b = (int) latent.getShape().get(0);
        NDArray text = emptyTextEmbedding.repeat(0, b).toType(dtype, false);                        // [B,L,D]
        text.attach(parent);
        float[] ts = scheduler.timesteps(steps);
        for (int i = 0; i < steps; i++) {
            float[] tb = new float[b];
            Arrays.fill(tb, ts[i]);
            // one scope per step: the UNet's activations are freed before the next step
            try (NDManager step = parent.newSubManager()) {
                imageLatent.tempAttach(step);
                latent.tempAttach(step);
                text.tempAttach(step);
                NDArray input = imageLatent.concat(latent, 1).toType(dtype, false);               // [B,4+4T,h,w]
                NDArray v = unet.forward(input, tb, text).toType(DataType.FLOAT32, false);          // [B,4T,h,w]
                NDArray next = scheduler.step(v, i, steps, latent);
                if (record != null) {
                    for (int k = 0; k < b; k++) {
                        String key = "member" + (firstMember + k) + "_step" + i;
                        record.accept(key + "_unet_out", v.get(k + ":" + (k + 1)));
                        record.accept(key + "_prev_sample", next.get(k + ":" + (k + 1)));
                    }
                }
                next.attach(parent);
                latent = next;
            }
        }
        return latent;
    }

    /** VAE decode of scaled latents → clip(−1, 1) → kind-specific post-processing. [B,4,h,w] → [B,C,PPH,PPW] */
    private NDArray decode(NDArray latents, int batch, BiConsumer<String, NDArray> record) {
        NDList parts = new NDList();
        long rows = latents.getShape().get(0);
        for (long i = 0; i < rows; i += batch) {
            NDArray z = latents.get(i + ":" + Math.min(rows, i + batch));
            NDArray x = vae.decode(vae.fromLatent(z.toType(dtype, false))).toType(DataType.FLOAT32, false).clip(-1, 1);
            NDArray out = switch (checkpoint.kind()) {
                case INTRINSICS -> x.add(1).div(2);                                                   // [B,3,H,W] in [0,1]
                case DEPTH -> x.mean(new int[] {1}, true).add(1).div(2);                               // [B,1,H,W] in [0,1]
                case NORMALS -> MarigoldEnsemble.normaliseNormals(x, checkpoint.useFullZRange());    // [B,3,H,W] unit
            };
            for (long k = 0; k < out.getShape().get(0); k++) {
                record.accept("decode" + (i + k) + "_in", z.get(k + ":" + (k + 1)));
                record.accept("decode" + (i + k) + "_out", out.get(k + ":" + (k + 1)));
            }
            parts.add(out);
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Settings with the checkpoint's defaults (steps, processing resolution), ensemble 1, batch 1, median. */
    public Settings defaults() {
        return new Settings(checkpoint.defaultSteps(), 1, checkpoint.defaultProcessingResolution(), true, 1,
                checkpoint.kind() == MarigoldCheckpoint.Kind.NORMALS ? "closest" : "median", false, 0L, null);
    }
}
