package io.prism.engine.diffusers.models.transformers;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.diffusers.InvalidCheckpointException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of a diffusers {@code transformer/config.json} that build an {@link SD3Transformer2DModel}, with
 * diffusers' defaults for absent keys ({@code SD3Transformer2DModel.__init__}). Keys that do not change the
 * computation (version stamps) are ignored; a value Prism does not implement is refused naming the file and the key.
 *
 * @param sampleSize          the training latent size: only sets the position table's base size (sample_size / patch)
 * @param posEmbedMaxSize     side of the stored position-embedding table, in patches; cropped to the latent's grid
 * @param dualAttentionLayers blocks with the second, image-only attention of SD3.5-medium (MMDiT-X)
 * @param qkNorm              null (SD3.0: no q/k norm) or "rms_norm" (SD3.5)
 */
public record SD3Transformer2DModelConfig(int sampleSize, int patchSize, int inChannels, int numLayers, int attentionHeadDim,
                                          int numAttentionHeads, int jointAttentionDim, int captionProjectionDim,
                                          int pooledProjectionDim, int outChannels, int posEmbedMaxSize,
                                          Set<Integer> dualAttentionLayers, String qkNorm) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public SD3Transformer2DModelConfig {
        dualAttentionLayers = Set.copyOf(dualAttentionLayers);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    private record Raw(@JsonProperty("_class_name") String className,
                       @JsonProperty("sample_size") Integer sampleSize,
                       @JsonProperty("patch_size") Integer patchSize,
                       @JsonProperty("in_channels") Integer inChannels,
                       @JsonProperty("num_layers") Integer numLayers,
                       @JsonProperty("attention_head_dim") Integer attentionHeadDim,
                       @JsonProperty("num_attention_heads") Integer numAttentionHeads,
                       @JsonProperty("joint_attention_dim") Integer jointAttentionDim,
                       @JsonProperty("caption_projection_dim") Integer captionProjectionDim,
                       @JsonProperty("pooled_projection_dim") Integer pooledProjectionDim,
                       @JsonProperty("out_channels") Integer outChannels,
                       @JsonProperty("pos_embed_max_size") Integer posEmbedMaxSize,
                       @JsonProperty("dual_attention_layers") List<Integer> dualAttentionLayers,
                       @JsonProperty("qk_norm") String qkNorm) {}

    /** Reads and checks a {@code transformer/config.json}; every refusal is an {@link InvalidCheckpointException} naming it. */
    public static SD3Transformer2DModelConfig read(Path configJson) {
        Raw r;
        try {
            r = JSON.readValue(configJson.toFile(), Raw.class);
        } catch (IOException e) {
            throw new InvalidCheckpointException(configJson + ": unreadable SD3Transformer2DModel config: " + e.getMessage(), e);
        }
        if (r == null) throw new InvalidCheckpointException(configJson + ": empty SD3Transformer2DModel config");
        if (r.className() != null && !r.className().equals("SD3Transformer2DModel")) {
            refuse(configJson, "_class_name", r.className(), "only SD3Transformer2DModel is implemented");
        }
        int sample = or(r.sampleSize(), 128), patch = or(r.patchSize(), 2), in = or(r.inChannels(), 16);
        int layers = or(r.numLayers(), 18), headDim = or(r.attentionHeadDim(), 64), heads = or(r.numAttentionHeads(), 18);
        int joint = or(r.jointAttentionDim(), 4096), caption = or(r.captionProjectionDim(), 1152);
        int pooled = or(r.pooledProjectionDim(), 2048);
        int out = r.outChannels() == null ? in : r.outChannels();   // diffusers: None → in_channels
        positive(configJson, "sample_size", sample);
        positive(configJson, "patch_size", patch);
        positive(configJson, "in_channels", in);
        positive(configJson, "num_layers", layers);
        positive(configJson, "attention_head_dim", headDim);
        positive(configJson, "num_attention_heads", heads);
        positive(configJson, "joint_attention_dim", joint);
        positive(configJson, "pooled_projection_dim", pooled);
        positive(configJson, "out_channels", out);
        int inner = heads * headDim;
        // the context stream enters the blocks, which are inner_dim wide: diffusers only runs when both agree
        if (caption != inner) {
            refuse(configJson, "caption_projection_dim", caption, "must equal num_attention_heads · attention_head_dim = " + inner);
        }
        if (inner % 4 != 0) refuse(configJson, "attention_head_dim", headDim, "the 2-D sincos position embedding needs a width divisible by 4");
        // without pos_embed_max_size diffusers interpolates a non-persistent table (PixArt style): not SD3's layout
        if (r.posEmbedMaxSize() == null) refuse(configJson, "pos_embed_max_size", null, "only SD3's cropped position table is implemented");
        int maxSize = r.posEmbedMaxSize();
        positive(configJson, "pos_embed_max_size", maxSize);
        if (sample % patch != 0) refuse(configJson, "sample_size", sample, "must be a multiple of patch_size " + patch);
        Set<Integer> dual = new TreeSet<>(or(r.dualAttentionLayers(), List.of()));
        for (int i : dual) {
            if (i < 0 || i >= layers) refuse(configJson, "dual_attention_layers", dual, "index " + i + " is not a block (0.." + (layers - 1) + ")");
        }
        String qk = r.qkNorm();
        if (qk != null && !qk.equals("rms_norm")) refuse(configJson, "qk_norm", qk, "only null and rms_norm are implemented");
        return new SD3Transformer2DModelConfig(sample, patch, in, layers, headDim, heads, joint, caption, pooled, out, maxSize, dual, qk);
    }

    /** Width of the token streams: num_attention_heads · attention_head_dim. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** Base size of the position grid in patches (diffusers: sample_size // patch_size). */
    public int baseSize() {
        return sampleSize / patchSize;
    }

    private static void positive(Path file, String key, int value) {
        if (value < 1) refuse(file, key, value, "must be positive");
    }

    private static void refuse(Path file, String key, Object value, String why) {
        throw new InvalidCheckpointException(file + ": " + key + " = " + value + ": " + why);
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
