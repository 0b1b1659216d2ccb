package io.prism.engine.marigold.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.unets.UNet2DConditionConfig;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The diffusers folder a fine-tune starts from, checked before anything is written: either a Marigold checkpoint
 * (its UNet taken as it is; its in/out channels must fit its targets) or a plain Stable Diffusion 2 folder (a 4 → 4
 * channel UNet, widened for the targets as Marigold does: {@code conv_in} to 4·(1 + T) input channels with the
 * pretrained weights repeated and divided by the number of copies, {@code conv_out} to 4·T outputs by repeating).
 *
 * @param marigold      what the fine-tuned folder is: the base's own model_index for a Marigold base, an intrinsics
 *                      pipeline with the single target {@code albedo} (sRGB) for an SD2 base; its dir is the base
 * @param widen         true for an SD2 base: the UNet's first and last convolutions are widened
 * @param unetConfig    the starting UNet's architecture (after widening)
 */
public record FineTuneBase(Path dir, MarigoldCheckpoint marigold, boolean widen, UNet2DConditionConfig unetConfig) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads and checks {@code dir} for {@code task}; every refusal names the file or folder. */
    public static FineTuneBase read(Path dir, String task, int processingResolution) {
        if (!Files.isDirectory(dir)) throw new InvalidCheckpointException(dir + ": base folder missing");
        for (String c : List.of("unet", "vae", "scheduler")) {
            if (!Files.isDirectory(dir.resolve(c))) throw new InvalidCheckpointException(dir.resolve(c) + ": component folder missing");
        }
        if (!Files.isRegularFile(dir.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE))) {
            for (String c : List.of("text_encoder", "tokenizer")) {
                if (!Files.isDirectory(dir.resolve(c))) {
                    throw new InvalidCheckpointException(dir.resolve(c) + ": component folder missing (and no "
                            + MarigoldCheckpoint.PROMPT_EMBEDS_FILE + ")");
                }
            }
        }
        Path index = dir.resolve(MarigoldCheckpoint.MODEL_INDEX);
        if (!Files.isRegularFile(index)) throw new InvalidCheckpointException(index + ": missing (not a diffusers pipeline folder)");
        Path unetJson = dir.resolve("unet").resolve("config.json");
        if (!Files.isRegularFile(unetJson)) throw new InvalidCheckpointException(unetJson + ": missing");
        UNet2DConditionConfig unet = UNet2DConditionConfig.read(unetJson);
        String cls;
        try {
            cls = JSON.readTree(index.toFile()).path("_class_name").asText("");
        } catch (IOException e) {
            throw new InvalidCheckpointException(index + ": unreadable: " + e.getMessage(), e);
        }
        if (cls.startsWith("Marigold")) {
            MarigoldCheckpoint m = MarigoldCheckpoint.read(dir);
            if (m.kind() != MarigoldCheckpoint.Kind.INTRINSICS || m.target(task) == null) {
                throw new InvalidCheckpointException(index + ": a " + m.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + " checkpoint with targets " + m.targets().stream().map(MarigoldCheckpoint.Target::name).toList()
                        + " has no '" + task + "' target to fine-tune");
            }
            if (unet.inChannels() != m.unetInChannels() || unet.outChannels() != m.unetInChannels() - 4) {
                throw new InvalidCheckpointException(unetJson + ": in_channels " + unet.inChannels() + " / out_channels "
                        + unet.outChannels() + " do not fit the " + m.targets().size() + " target(s) of " + index + " ("
                        + m.unetInChannels() + " / " + (m.unetInChannels() - 4) + " expected)");
            }
            return new FineTuneBase(dir, m, false, unet);
        }
        if (unet.inChannels() != 4 || unet.outChannels() != 4) {
            throw new InvalidCheckpointException(unetJson + ": a plain Stable Diffusion base must have in_channels 4 and out_channels 4, has "
                    + unet.inChannels() + " / " + unet.outChannels() + " (" + index + " is a " + cls + ", not a Marigold pipeline)");
        }
        List<MarigoldCheckpoint.Target> targets = List.of(new MarigoldCheckpoint.Target(task, "srgb", List.of("R", "G", "B")));
        MarigoldCheckpoint m = new MarigoldCheckpoint(dir, MarigoldCheckpoint.Kind.INTRINSICS, targets, 4,
                processingResolution > 0 ? processingResolution : 768, true, true, true,
                io.prism.engine.model.ImportSettings.read(dir).encoding());
        return new FineTuneBase(dir, m, true, withChannels(unet, m.unetInChannels(), m.unetInChannels() - 4));
    }

    public int targets() {
        return marigold.targets().size();
    }

    private static UNet2DConditionConfig withChannels(UNet2DConditionConfig c, int in, int out) {
        return new UNet2DConditionConfig(in, out, c.centerInputSample(), c.flipSinToCos(), c.freqShift(), c.downBlockTypes(),
                c.midBlockType(), c.upBlockTypes(), c.onlyCrossAttention(), c.blockOutChannels(), c.layersPerBlock(),
                c.downsamplePadding(), c.midBlockScaleFactor(), c.normNumGroups(), c.normEps(), c.crossAttentionDim(),
                c.transformerLayersPerBlock(), c.reverseTransformerLayersPerBlock(), c.midBlockTransformerLayers(),
                c.numAttentionHeads(), c.useLinearProjection(), c.timeEmbeddingDim(), c.convInKernel(), c.convOutKernel());
    }

    /**
     * The starting UNet's folder: the base's {@code unet/} for a Marigold base; for an SD2 base a widened copy written
     * into {@code scratch} (config.json with the new channel counts, F32 weights) the first time it is asked for.
     */
    public Path startingUNet(Path scratch, NDManager manager) throws IOException {
        if (!widen) return dir.resolve("unet");
        Path out = scratch.resolve("unet");
        if (Files.isRegularFile(out.resolve("diffusion_pytorch_model.safetensors"))) return out;
        Path tmp = scratch.resolve("unet.tmp");
        Files.createDirectories(tmp);
        int copies = 1 + targets();
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel base = UNet2DConditionModel.load(dir.resolve("unet"), null, m, DataType.FLOAT32, false);
            Map<String, FloatTensor> weights = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : base.parameters().entrySet()) {
                FloatTensor t = new FloatTensor(e.getValue().getShape().getShape(), e.getValue().toFloatArray());
                weights.put(e.getKey(), switch (e.getKey()) {
                    case "conv_in.weight" -> widenConvIn(t, copies);
                    case "conv_out.weight", "conv_out.bias" -> repeatOutputs(t, targets());
                    default -> t;
                });
            }
            Safetensors.write(tmp.resolve("diffusion_pytorch_model.safetensors"), weights, Map.of("format", "pt"));
        }
        writeUNetConfig(dir.resolve("unet").resolve("config.json"), tmp.resolve("config.json"), unetConfig);
        Files.move(tmp, out);
        return out;
    }

    /**
     * Marigold's conv_in widening: (O, C, k, k) → (O, C·copies, k, k), input channel j taking the pretrained channel
     * j mod C divided by the number of copies, so that equal inputs on every copy give the pretrained activation.
     */
    public static FloatTensor widenConvIn(FloatTensor w, int copies) {
        long o = w.shape()[0], c = w.shape()[1], kk = w.shape()[2] * w.shape()[3];
        float[] src = w.data(), dst = new float[Math.toIntExact(src.length * (long) copies)];
        for (long i = 0; i < o; i++) {
            for (long j = 0; j < c * copies; j++) {
                for (long k = 0; k < kk; k++) {
                    dst[(int) ((i * c * copies + j) * kk + k)] = src[(int) ((i * c + j % c) * kk + k)] / copies;
                }
            }
        }
        return new FloatTensor(new long[] {o, c * copies, w.shape()[2], w.shape()[3]}, dst);
    }

    /** conv_out for several targets: the pretrained head repeated along the output axis (weight or bias). */
    public static FloatTensor repeatOutputs(FloatTensor w, int times) {
        float[] dst = new float[w.data().length * times];
        for (int r = 0; r < times; r++) System.arraycopy(w.data(), 0, dst, r * w.data().length, w.data().length);
        long[] shape = w.shape().clone();
        shape[0] *= times;
        return new FloatTensor(shape, dst);
    }

    /** The base's config.json with in_channels / out_channels of {@code c}: every other key kept as diffusers wrote it. */
    static void writeUNetConfig(Path baseConfig, Path out, UNet2DConditionConfig c) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(baseConfig.toFile());
        root.put("in_channels", c.inChannels());
        root.put("out_channels", c.outChannels());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), root);
    }

    /** model_index.json of the fine-tuned folder from an SD2 base: a MarigoldIntrinsicsPipeline with this base's targets. */
    void writeModelIndex(Path out) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("_class_name", "MarigoldIntrinsicsPipeline");
        root.put("_diffusers_version", "0.39.0");
        root.put("default_denoising_steps", marigold.defaultSteps());
        root.put("default_processing_resolution", marigold.defaultProcessingResolution());
        root.put("prediction_type", "intrinsics");
        ObjectNode props = root.putObject("target_properties");
        ArrayNode names = props.putArray("target_names");
        for (MarigoldCheckpoint.Target t : marigold.targets()) {
            names.add(t.name());
            props.putObject(t.name()).put("prediction_space", t.predictionSpace());
        }
        root.putArray("scheduler").add("diffusers").add("DDIMScheduler");
        root.putArray("unet").add("diffusers").add("UNet2DConditionModel");
        root.putArray("vae").add("diffusers").add("AutoencoderKL");
        root.putArray("text_encoder").addNull().addNull();
        root.putArray("tokenizer").addNull().addNull();
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), root);
    }

    /** The weight files of the base's VAE (relative to the base). */
    List<Path> vaeFiles() {
        return StateDict.weightFiles(dir.resolve("vae"), null);
    }
}
