package io.prism.engine.transparency;

import io.prism.engine.model.ImportSettings;
import io.prism.vision.color.InputEncoding;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.Engines;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Predictor;
import io.prism.engine.Reduction;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.transformers.SD3Transformer2DModel;
import io.prism.engine.diffusers.transformers.EmptyPromptEmbedding;
import io.prism.engine.image.Resample;
import io.prism.engine.marigold.MarigoldImageProcessor;
import io.prism.engine.schedule.FlowMatchEulerDiscreteConfig;
import io.prism.engine.schedule.FlowMatchEulerDiscreteScheduler;
import io.prism.vision.image.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An imported SD3.5 transparency-segmentation checkpoint (diffusers StableDiffusion3Pipeline layout: {@code transformer/},
 * {@code vae/}, {@code scheduler/}) as Prism's "mask" {@link Predictor}. The result is the binary mask (channel Y), the
 * uncertainty the members' standard deviation, and the continuous ensemble mean is stored as the layer "probability".
 *
 * <p>Frames are resized (antialiased bilinear) so that the longest side is the processing resolution, keeping the aspect
 * ratio — the reference squashes every frame to 1024×1024 instead — and padded by edge replication to a multiple of
 * VAE factor × patch size; the padding is cropped from the result, which is resized back to the frame's size before
 * thresholding. The image latent is the posterior mean (deterministic; the reference samples it).
 *
 * <p>Conditioning: {@value #PROMPT_EMBEDS_FILE} in the folder ({@code prompt_embeds} (1, L, 4096) and
 * {@code pooled_prompt_embeds} (1, 2048), as the reference repository ships them precomputed), else encode_prompt("")
 * with the folder's CLIP-L / CLIP-G and T5's zero block of 77 tokens, as the reference computed it.
 */
public final class TransparencyPredictor implements Predictor {
    public static final String PROMPT_EMBEDS_FILE = "prompt_embeds.safetensors";
    /** The reference's max_sequence_length when it built the empty-prompt conditioning without T5. */
    public static final int T5_TOKENS = 77;
    /** The reference's processing size (its dataloader resizes frames to 1024²). */
    public static final int DEFAULT_PROCESSING_RESOLUTION = 1024;
    private final TransparencyPipeline pipeline;
    private final InputEncoding inputEncoding;
    private final NDManager manager;
    private final int batchSize;
    private final int processingResolution;
    private boolean closed;

    /**
     * @param inputEncoding        how the model takes its image (the folder's {@link ImportSettings})
     * @param processingResolution the default longest side frames are processed at ({@link #processingResolution(Path)})
     */
    public TransparencyPredictor(TransparencyPipeline pipeline, InputEncoding inputEncoding, NDManager manager, int batchSize,
                                 int processingResolution) {
        this.pipeline = pipeline;
        this.inputEncoding = inputEncoding;
        this.manager = manager;
        this.batchSize = batchSize;
        this.processingResolution = processingResolution;
    }

    /**
     * A folder's processing size: model_index.json's {@code default_processing_resolution} where it states one (the key
     * Marigold folders use, so a small or retrained model can say what it was trained at), else the reference's 1024.
     * The trainer encodes its pairs at this size and the predictor defaults to it, so a fine-tune trains at the size it serves.
     */
    public static int processingResolution(Path dir) {
        Path index = dir.resolve("model_index.json");
        if (!Files.isRegularFile(index)) return DEFAULT_PROCESSING_RESOLUTION;
        try {
            int r = new ObjectMapper().readTree(index.toFile()).path("default_processing_resolution").asInt(DEFAULT_PROCESSING_RESOLUTION);
            if (r < 1) throw new InvalidCheckpointException(index + ": default_processing_resolution " + r + " must be positive");
            return r;
        } catch (IOException e) {
            throw new InvalidCheckpointException(index + ": " + e.getMessage(), e);
        }
    }

    /** A folder whose model_index.json names StableDiffusion3Pipeline, or whose transformer/ is an SD3Transformer2DModel. */
    public static boolean isSd3Folder(Path dir) {
        ObjectMapper json = new ObjectMapper();
        try {
            Path index = dir.resolve("model_index.json"), transformer = dir.resolve("transformer").resolve("config.json");
            if (Files.isRegularFile(index) && "StableDiffusion3Pipeline".equals(json.readTree(index.toFile()).path("_class_name").asText())) return true;
            return Files.isRegularFile(transformer) && "SD3Transformer2DModel".equals(json.readTree(transformer.toFile()).path("_class_name").asText());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Loads an SD3-layout folder for the "mask" task.
     *
     * @param device "cpu" or "gpu:N"
     * @param dtype  "fp32", or "fp16" on a GPU
     */
    public static TransparencyPredictor open(Path dir, String task, String device, int threads, String dtype) {
        if (task != null && !task.equals("mask")) {
            throw new InvalidCheckpointException(dir.resolve("model_index.json") + ": an SD3 transparency model serves task 'mask', not '" + task + "'");
        }
        return Engines.build(device, threads, dtype, t -> {
            NDManager m = t.manager();
            SD3Transformer2DModel transformer = SD3Transformer2DModel.load(dir.resolve("transformer"), t.variant(), m, t.dtype(), false);
            AutoencoderKL vae = AutoencoderKL.load(dir.resolve("vae"), t.variant(), m, t.dtype(), false);
            boolean endToEnd = transformer.config().inChannels() == vae.config().latentChannels();
            FlowMatchEulerDiscreteScheduler scheduler = endToEnd ? null
                    : new FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig.read(dir.resolve("scheduler")));
            Path embeds = dir.resolve(PROMPT_EMBEDS_FILE);
            EmptyPromptEmbedding.SD3 c;
            try {
                c = Files.isRegularFile(embeds) ? EmptyPromptEmbedding.loadSd3(embeds, m)
                        : EmptyPromptEmbedding.computeSd3(dir, t.variant(), T5_TOKENS, m);
            } catch (IOException e) {
                throw new InvalidCheckpointException(embeds + ": " + e.getMessage(), e);
            }
            TransparencyPipeline p = new TransparencyPipeline(transformer, vae, scheduler, c.promptEmbeds(), c.pooledPromptEmbeds());
            return new TransparencyPredictor(p, ImportSettings.read(dir).encoding(), m, t.device().isGpu() ? 8 : 1, processingResolution(dir));
        });
    }


    public TransparencyPipeline pipeline() {
        return pipeline;
    }

    @Override
    public String task() {
        return "mask";
    }

    @Override
    public InputEncoding inputEncoding() {
        return inputEncoding;
    }

    /** The reference's pipeline defaults: 10 steps, 10 members (end-to-end: 1 and 1), the folder's processing size (1024 px). */
    @Override
    public PredictOptions defaultOptions() {
        boolean e2e = pipeline.endToEnd();
        return new PredictOptions(e2e ? 1 : 10, e2e ? 1 : 10, processingResolution, Resample.BILINEAR, Reduction.MEAN, 0L, 0, 0, 0);
    }

    @Override
    public synchronized List<Prediction> predict(List<FloatImage> srgbImages, PredictOptions o) {
        if (closed) throw new IllegalStateException("predictor is closed");
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < srgbImages.size(); i++) out.add(predictOne(rgb(srgbImages.get(i), i), o));
        return out;
    }

    private Prediction predictOne(FloatImage img, PredictOptions o) {
        long start = System.nanoTime();
        int[] size = MarigoldImageProcessor.processingSize(img.width(), img.height(), o.processingResolution());
        FloatImage resized = MarigoldImageProcessor.resizeAntialias(img, size[0], size[1]);
        int[] pad = MarigoldImageProcessor.padding(size[0], size[1], pipeline.sizeMultiple());     // {ph, pw}
        FloatImage padded = MarigoldImageProcessor.padReplicate(resized, pad[0], pad[1]);
        int members = pipeline.endToEnd() ? 1 : o.ensembleSize();
        int batch = o.batchSize() > 0 ? o.batchSize() : Math.min(members, batchSize);
        TransparencyPipeline.Output r;
        boolean grad = Engines.gradMode(false);
        try (NDManager call = manager.newSubManager()) {
            float[] chw = new float[3 * padded.width() * padded.height()];
            int n = padded.width() * padded.height();
            for (int c = 0; c < 3; c++) {
                // the model was trained on 8-bit frames in [0, 1]: values outside (HDR highlights) are clipped
                for (int i = 0; i < n; i++) chw[c * n + i] = Math.max(0f, Math.min(1f, padded.planes()[c][i]));
            }
            NDArray x = call.create(chw, new Shape(1, 3, padded.height(), padded.width()));
            r = pipeline.run(x, new TransparencyPipeline.Settings(o.steps(), members, batch, TransparencyPipeline.Posterior.MEAN, o.seed(), null, null), null);
        } finally {
            Engines.gradMode(grad);
        }
        FloatImage probability = back(r.probability(), r, pad, img);
        FloatImage spread = back(r.spread(), r, pad, img);
        float[] mask = new float[probability.planes()[0].length];
        for (int i = 0; i < mask.length; i++) mask[i] = probability.planes()[0][i] > TransparencyPipeline.THRESHOLD ? 1f : 0f;
        FloatImage result = new FloatImage(img.width(), img.height(), List.of("Y"), new float[][] {mask});
        double meanUnc = 0;
        for (float v : spread.planes()[0]) meanUnc += v;
        meanUnc /= Math.max(1, spread.planes()[0].length);
        return new Prediction(result, spread, new Prediction.Stats(size[0], size[1], 1, pipeline.endToEnd() ? 1 : o.steps(), members, batch,
                meanUnc, (System.nanoTime() - start) / 1e6), Map.of("probability", probability));
    }

    /** A plane at the padded processing size → unpadded → resized back to the frame's size (bilinear, no antialiasing). */
    private static FloatImage back(float[] plane, TransparencyPipeline.Output r, int[] pad, FloatImage frame) {
        FloatImage p = MarigoldImageProcessor.unpad(new FloatImage(r.width(), r.height(), List.of("Y"), new float[][] {plane}), pad[0], pad[1]);
        return MarigoldImageProcessor.resizeBilinear(p, frame.width(), frame.height());
    }

    /** The model's input as R, G, B, finite (vision's check: no channel is ever renamed to R, G, B). */
    private static FloatImage rgb(FloatImage img, int index) {
        return InputEncoding.requireFinite(InputEncoding.colour(img, "input image " + index), "input image " + index);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        manager.close();
    }
}
