package io.prism.engine.marigold;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.model.ImportSettings;
import io.prism.vision.color.InputEncoding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Marigold checkpoint folder in diffusers layout, as studios download it ({@code prs-eth/marigold-iid-appearance-v1-1},
 * {@code marigold-iid-lighting-v1-1}, {@code marigold-depth-v1-1}, {@code marigold-normals-v1-1} or their fine-tunes):
 * {@code model_index.json} (which pipeline, targets, default steps and resolution) plus the component folders
 * {@code unet/}, {@code vae/}, {@code scheduler/} and either {@code text_encoder/} + {@code tokenizer/} or the
 * precomputed empty-prompt embedding Prism stores at import ({@value #PROMPT_EMBEDS_FILE}).
 *
 * @param kind         which Marigold pipeline the folder is for
 * @param targets      the predicted modalities in UNet output order (4 latent channels each)
 * @param defaultSteps denoising steps when none are given (model_index {@code default_denoising_steps})
 * @param defaultProcessingResolution longest side the model works at when none is given (0 = native)
 * @param inputEncoding how the model takes its image: the folder's {@link ImportSettings} ({@value ImportSettings#FILE},
 *                      written by {@code prism models import}), else {@link InputEncoding#DEFAULT}
 */
public record MarigoldCheckpoint(Path dir, Kind kind, List<Target> targets, int defaultSteps, int defaultProcessingResolution,
                                 boolean scaleInvariant, boolean shiftInvariant, boolean useFullZRange,
                                 InputEncoding inputEncoding) {
    public static final String MODEL_INDEX = "model_index.json";
    /** The empty-prompt text embedding, computed once at import so the text encoder never has to be loaded to predict. */
    public static final String PROMPT_EMBEDS_FILE = "prompt_embeds.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The three Marigold pipelines and what one target's decoded image means. */
    public enum Kind { INTRINSICS, DEPTH, NORMALS }

    /**
     * @param name            e.g. "albedo", "material", "shading", "residual", "depth", "normals"
     * @param predictionSpace "srgb", "linear" or "stack" (intrinsics), "depth" / "normals" otherwise
     * @param channelNames    what the decoded image's channels hold (material: roughness, metallicity, null)
     */
    public record Target(String name, String predictionSpace, List<String> channelNames) {}

    /** True when {@code dir} is a diffusers pipeline folder rather than one of Prism's compact checkpoints. */
    public static boolean isDiffusersFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(MODEL_INDEX));
    }

    /**
     * Reads and validates model_index.json and the presence of the unet, vae and scheduler folders (the text conditioning
     * — text_encoder + tokenizer or prompt_embeds.safetensors — is checked where it is computed or read).
     */
    public static MarigoldCheckpoint read(Path dir) {
        Path index = dir.resolve(MODEL_INDEX);
        if (!Files.isRegularFile(index)) throw new InvalidCheckpointException(index + ": missing (not a diffusers pipeline folder)");
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new InvalidCheckpointException(index + ": unreadable: " + e.getMessage(), e);
        }
        String cls = root.path("_class_name").asText("");
        String predictionType = root.path("prediction_type").asText("").toLowerCase(Locale.ROOT);
        Kind kind;
        if (cls.equals("MarigoldIntrinsicsPipeline") || predictionType.equals("intrinsics")) kind = Kind.INTRINSICS;
        else if (cls.equals("MarigoldNormalsPipeline") || predictionType.equals("normals")) kind = Kind.NORMALS;
        else if (cls.equals("MarigoldDepthPipeline") || cls.equals("MarigoldPipeline") || predictionType.startsWith("depth")
                || predictionType.equals("disparity")) kind = Kind.DEPTH;
        else {
            throw new InvalidCheckpointException(index + ": _class_name '" + cls + "' / prediction_type '" + predictionType
                    + "' is not a Marigold pipeline (MarigoldIntrinsicsPipeline, MarigoldDepthPipeline, MarigoldNormalsPipeline)");
        }
        List<Target> targets = new ArrayList<>();
        switch (kind) {
            case INTRINSICS -> {
                JsonNode props = root.path("target_properties");
                JsonNode names = props.path("target_names");
                if (!names.isArray() || names.isEmpty()) throw new InvalidCheckpointException(index + ": target_properties.target_names missing");
                for (JsonNode n : names) {
                    String name = n.asText();
                    JsonNode p = props.path(name);
                    String space = p.path("prediction_space").asText("");
                    List<String> channels = new ArrayList<>();
                    if (space.equals("stack")) {
                        for (JsonNode s : p.path("sub_target_names")) channels.add(s.isNull() ? null : s.asText());
                        if (channels.size() != 3) throw new InvalidCheckpointException(index + ": target " + name + " stacks "
                                + channels.size() + " sub-targets, 3 expected");
                    } else if (space.equals("srgb") || space.equals("linear")) {
                        channels.addAll(List.of("R", "G", "B"));
                    } else {
                        throw new InvalidCheckpointException(index + ": target " + name + " has prediction_space '" + space
                                + "' (srgb, linear, stack)");
                    }
                    targets.add(new Target(name, space, java.util.Collections.unmodifiableList(channels)));
                }
            }
            case DEPTH -> targets.add(new Target("depth", "depth", List.of("Z")));
            case NORMALS -> targets.add(new Target("normals", "normals", List.of("X", "Y", "Z")));
        }
        for (String c : List.of("unet", "vae", "scheduler")) {
            if (!Files.isDirectory(dir.resolve(c))) throw new InvalidCheckpointException(dir.resolve(c) + ": component folder missing");
        }
        int steps = root.path("default_denoising_steps").asInt(kind == Kind.INTRINSICS ? 4 : 4);
        int res = root.path("default_processing_resolution").asInt(768);
        return new MarigoldCheckpoint(dir, kind, List.copyOf(targets), steps, res,
                root.path("scale_invariant").asBoolean(true), root.path("shift_invariant").asBoolean(true),
                root.path("use_full_z_range").asBoolean(true), ImportSettings.read(dir).encoding());
    }

    /** Latent channels the UNet must take: 4 for the image plus 4 per target. */
    public int unetInChannels() {
        return 4 * (1 + targets.size());
    }

    public Target target(String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }
}
