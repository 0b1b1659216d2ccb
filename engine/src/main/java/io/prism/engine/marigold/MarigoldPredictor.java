package io.prism.engine.marigold;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.BatchSize;
import io.prism.engine.Engines;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Predictor;
import io.prism.engine.Reduction;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.diffusers.transformers.EmptyPromptEmbedding;
import io.prism.engine.image.Resample;
import io.prism.engine.schedule.SchedulerConfig;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.color.Srgb;
import io.prism.vision.image.FloatImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An imported Marigold checkpoint as a Prism {@link Predictor}: the task's target becomes the result (albedo from either
 * IID model, sRGB-encoded as Prism's albedo always is; depth; normals), the other targets become named layers stored
 * with it (material, shading, residual). Frames of different sizes in one call are run per size.
 */
public final class MarigoldPredictor implements Predictor {
    private final MarigoldPipeline pipeline;
    private final String task;
    private final int batchSize;
    private boolean closed;

    /** @param batchSize the most members per forward pass when the options leave it automatic (0); memory decides below that */
    public MarigoldPredictor(MarigoldPipeline pipeline, String task, int batchSize) {
        this.pipeline = pipeline;
        this.task = task;
        this.batchSize = batchSize;
        MarigoldCheckpoint c = pipeline.checkpoint();
        String needed = switch (c.kind()) {
            case INTRINSICS -> "albedo";
            case DEPTH -> "depth";
            case NORMALS -> "normals";
        };
        if (!needed.equals(task)) {
            throw new InvalidCheckpointException(c.dir().resolve(MarigoldCheckpoint.MODEL_INDEX) + ": a " + c.kind().name().toLowerCase(Locale.ROOT)
                    + " model cannot serve task '" + task + "' (it serves '" + needed + "')");
        }
        if (c.kind() == MarigoldCheckpoint.Kind.INTRINSICS && c.target("albedo") == null) {
            throw new InvalidCheckpointException(c.dir().resolve(MarigoldCheckpoint.MODEL_INDEX) + ": no 'albedo' target in " + c.targets());
        }
    }

    /**
     * Loads a Marigold folder for {@code task}.
     *
     * @param device "cpu" or "gpu:N"
     * @param dtype  "fp32" or "fp16" (bf16 checkpoints are widened; DJL cannot hold bf16 tensors)
     */
    public static MarigoldPredictor open(Path dir, String task, String device, int threads, String dtype) {
        MarigoldCheckpoint checkpoint = MarigoldCheckpoint.read(dir);
        return Engines.build(device, threads, dtype, t -> {
            NDManager m = t.manager();
            UNet2DConditionModel unet = UNet2DConditionModel.load(dir.resolve("unet"), t.variant(), m, t.dtype(), false);
            AutoencoderKL vae = AutoencoderKL.load(dir.resolve("vae"), t.variant(), m, t.dtype(), false);
            Path embeds = dir.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE);
            NDArray embedding;
            SchedulerConfig sc;
            try {
                embedding = Files.isRegularFile(embeds) ? EmptyPromptEmbedding.load(embeds, m) : EmptyPromptEmbedding.compute(dir, m);
                sc = SchedulerConfig.fromDiffusers(dir.resolve("scheduler").resolve("scheduler_config.json"));
            } catch (java.io.IOException e) {
                throw new InvalidCheckpointException(e.getMessage(), e);
            }
            MarigoldPipeline p = new MarigoldPipeline(checkpoint, unet, vae, embedding, sc.create(), m, t.dtype());
            return new MarigoldPredictor(p, task, t.device().isGpu() ? 64 : 4);
        });
    }


    public MarigoldPipeline pipeline() {
        return pipeline;
    }

    @Override
    public String task() {
        return task;
    }

    /** The folder's import settings ({@link MarigoldCheckpoint#inputEncoding}). */
    @Override
    public InputEncoding inputEncoding() {
        return pipeline.checkpoint().inputEncoding();
    }

    @Override
    public PredictOptions defaultOptions() {
        MarigoldCheckpoint c = pipeline.checkpoint();
        return new PredictOptions(c.defaultSteps(), 1, c.defaultProcessingResolution(), Resample.BILINEAR, Reduction.MEDIAN,
                0L, 0, 0, 0);
    }

    @Override
    public synchronized List<Prediction> predict(List<FloatImage> srgbImages, PredictOptions o) {
        if (closed) throw new IllegalStateException("predictor is closed");
        MarigoldPipeline.Settings s = settings(o, 1, null);
        Prediction[] out = new Prediction[srgbImages.size()];
        List<FloatImage> inputs = new ArrayList<>();                  // checked and reduced to R, G, B once per frame
        for (int i = 0; i < srgbImages.size(); i++) inputs.add(rgb(srgbImages.get(i), i));
        Map<String, List<Integer>> bySize = new LinkedHashMap<>();
        for (int i = 0; i < srgbImages.size(); i++) {
            FloatImage img = inputs.get(i);
            bySize.computeIfAbsent(img.width() + "x" + img.height(), k -> new ArrayList<>()).add(i);
        }
        for (List<Integer> group : bySize.values()) {
            long start = System.nanoTime();
            List<FloatImage> images = new ArrayList<>();
            for (int i : group) images.add(inputs.get(i));
            int batch = o.batchSize() > 0 ? o.batchSize()
                    : Math.min(images.size() * o.ensembleSize(), autoBatch(images.get(0).width(), images.get(0).height(), o));
            MarigoldPipeline.Settings one = new MarigoldPipeline.Settings(s.steps(), s.ensembleSize(), s.processingResolution(),
                    true, batch, s.reduction(), s.outputUncertainty(), o.seed(), null);
            MarigoldPipeline.Output r = pipeline.run(images, one, null);
            double millis = (System.nanoTime() - start) / 1e6 / images.size();
            for (int k = 0; k < images.size(); k++) out[group.get(k)] = toPrediction(r, k, o, millis, batch);
        }
        return List.of(out);
    }

    /** One image run with given initial latents (diffusers' shape (E, 4T, h, w), flattened; null: seeded) and a probe. */
    public synchronized Reproducible predictReproducibly(FloatImage srgbImage, PredictOptions o, float[] initialLatents,
                                                         java.util.function.BiConsumer<String, NDArray> probe) {
        if (closed) throw new IllegalStateException("predictor is closed");
        long start = System.nanoTime();
        MarigoldPipeline.Settings s = settings(o, o.batchSize() > 0 ? o.batchSize()
                : Math.min(o.ensembleSize(), autoBatch(srgbImage.width(), srgbImage.height(), o)), initialLatents);
        MarigoldPipeline.Output r = pipeline.run(List.of(rgb(srgbImage, 0)), s, probe);
        return new Reproducible(toPrediction(r, 0, o, (System.nanoTime() - start) / 1e6, s.batchSize()), r);
    }

    /**
     * Members per forward pass that fit the device's free memory ({@link BatchSize}), from a per-member estimate at the
     * processing size: the UNet's top-level activations (~48 live tensors of its first width, skips included) plus its
     * attention scores (chunked at 1 GiB, softmax doubles them), or the VAE decoder's full-resolution tensors, whichever
     * is larger — the two never hold memory at the same time. Capped by {@code batchSize}.
     */
    int autoBatch(int width, int height, PredictOptions o) {
        int f = pipeline.vae().scaleFactor();
        int[] ps = MarigoldImageProcessor.processingSize(width, height, o.processingResolution() / f * f);
        double latent = Math.ceil(ps[0] / (double) f) * Math.ceil(ps[1] / (double) f);
        int c0 = pipeline.unet().config().blockOutChannels().get(0);
        double heads = Math.max(1, c0 / 64.0);
        double unet = latent * c0 * 4 * 48 + 2 * Math.min(heads * latent * latent * 4, 1L << 30);
        double vae = (double) ps[0] * ps[1] * pipeline.vae().config().blockOutChannels().get(0) * 4 * 8;
        return Math.min(batchSize, BatchSize.members(Math.max(unet, vae), pipeline.unet().parameters().values().iterator().next().getDevice()));
    }

    /** Prism's options in the pipeline's terms: normals reduce by closest/mean, the resolution a multiple of the VAE factor. */
    private MarigoldPipeline.Settings settings(PredictOptions o, int batch, float[] initialLatents) {
        String reduction = pipeline.checkpoint().kind() == MarigoldCheckpoint.Kind.NORMALS
                ? (o.reduction() == Reduction.MEAN ? "mean" : "closest")
                : o.reduction().name().toLowerCase(Locale.ROOT);
        int f = pipeline.vae().scaleFactor();
        return new MarigoldPipeline.Settings(o.steps(), o.ensembleSize(), o.processingResolution() / f * f, true, batch, reduction,
                o.ensembleSize() > 1, o.seed(), initialLatents);
    }

    /** A prediction together with the pipeline's raw output (final latents, per-target images). */
    public record Reproducible(Prediction prediction, MarigoldPipeline.Output output) {}

    /** The model's input as R, G, B, finite (vision's check: no channel is ever renamed to R, G, B). */
    private static FloatImage rgb(FloatImage img, int index) {
        return InputEncoding.requireFinite(InputEncoding.colour(img, "input image " + index), "input image " + index);
    }

    private Prediction toPrediction(MarigoldPipeline.Output r, int image, PredictOptions o, double millis, int batch) {
        MarigoldCheckpoint c = pipeline.checkpoint();
        List<FloatImage> preds = r.predictions().get(image), uncs = r.uncertainties().get(image);
        int main = c.kind() == MarigoldCheckpoint.Kind.INTRINSICS ? c.targets().indexOf(c.target("albedo")) : 0;
        FloatImage result = preds.get(main), unc = uncs.get(main);
        if (c.kind() == MarigoldCheckpoint.Kind.INTRINSICS && c.targets().get(main).predictionSpace().equals("linear")) {
            result = Srgb.encode(result);   // Prism's albedo layer is sRGB-encoded, whatever space the model predicts in
        }
        if (unc == null) unc = FloatImage.blank(result.width(), result.height(), result.channels());
        Map<String, FloatImage> layers = new LinkedHashMap<>();
        for (int k = 0; k < c.targets().size(); k++) {
            if (k == main) continue;
            MarigoldCheckpoint.Target t = c.targets().get(k);
            layers.put(t.name(), layer(t, preds.get(k)));
        }
        double meanUnc = 0;
        for (float[] p : unc.planes()) for (float v : p) meanUnc += v;
        meanUnc /= Math.max(1.0, (double) unc.channelCount() * unc.width() * unc.height());
        return new Prediction(result, unc, new Prediction.Stats(r.processedWidth(), r.processedHeight(), 1, o.steps(), o.ensembleSize(),
                batch, meanUnc, millis), layers);
    }

    /** A secondary target with its own channel names (material: roughness, metallicity; the unused third dropped). */
    private static FloatImage layer(MarigoldCheckpoint.Target t, FloatImage img) {
        List<String> names = new ArrayList<>();
        List<float[]> planes = new ArrayList<>();
        for (int ch = 0; ch < t.channelNames().size(); ch++) {
            String n = t.channelNames().get(ch);
            if (n == null) continue;
            names.add(n);
            planes.add(img.planes()[ch]);
        }
        return new FloatImage(img.width(), img.height(), names, planes.toArray(new float[0][]));
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        pipeline.close();
    }
}
