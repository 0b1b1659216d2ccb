package io.prism.engine.diffusers.models.autoencoders;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.diffusers.InvalidCheckpointException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The settings of a diffusers {@code vae/config.json} that build an {@link AutoencoderKL}, with diffusers' defaults
 * for absent keys ({@code AutoencoderKL.__init__}). Keys that do not change the computation (sample_size, tiling, the
 * version stamps) are ignored; a value Prism does not implement is refused naming the file and the key, so that a
 * checkpoint is never run through a different network than it was trained as.
 *
 * @param scalingFactor latent = (z − shift) · scaling_factor before the diffusion model sees it
 * @param shiftFactor   null (SD1/2: no shift) or the SD3 VAE's 0.0609
 * @param forceUpcast   the checkpoint asks pipelines to run this VAE in float32 even when the rest is half
 */
public record AutoencoderKLConfig(int inChannels, int outChannels, List<Integer> blockOutChannels, int layersPerBlock,
                                  int latentChannels, int normNumGroups, double scalingFactor, Double shiftFactor,
                                  boolean forceUpcast, boolean useQuantConv, boolean usePostQuantConv,
                                  boolean midBlockAddAttention) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DOWN_BLOCK = "DownEncoderBlock2D";
    static final String UP_BLOCK = "UpDecoderBlock2D";

    public AutoencoderKLConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
    }

    /** config.json as diffusers writes it; boxed so that an absent key can take diffusers' default. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record Raw(@JsonProperty("_class_name") String className,
                       @JsonProperty("in_channels") Integer inChannels,
                       @JsonProperty("out_channels") Integer outChannels,
                       @JsonProperty("down_block_types") List<String> downBlockTypes,
                       @JsonProperty("up_block_types") List<String> upBlockTypes,
                       @JsonProperty("block_out_channels") List<Integer> blockOutChannels,
                       @JsonProperty("layers_per_block") Integer layersPerBlock,
                       @JsonProperty("act_fn") String actFn,
                       @JsonProperty("latent_channels") Integer latentChannels,
                       @JsonProperty("norm_num_groups") Integer normNumGroups,
                       @JsonProperty("scaling_factor") Double scalingFactor,
                       @JsonProperty("shift_factor") Double shiftFactor,
                       @JsonProperty("latents_mean") JsonNode latentsMean,
                       @JsonProperty("latents_std") JsonNode latentsStd,
                       @JsonProperty("force_upcast") Boolean forceUpcast,
                       @JsonProperty("use_quant_conv") Boolean useQuantConv,
                       @JsonProperty("use_post_quant_conv") Boolean usePostQuantConv,
                       @JsonProperty("mid_block_add_attention") Boolean midBlockAddAttention) {}

    /** Reads and checks a {@code vae/config.json}; every refusal is an {@link InvalidCheckpointException} naming it. */
    public static AutoencoderKLConfig read(Path configJson) {
        Raw r;
        try {
            r = JSON.readValue(configJson.toFile(), Raw.class);
        } catch (IOException e) {
            throw new InvalidCheckpointException(configJson + ": unreadable AutoencoderKL config: " + e.getMessage(), e);
        }
        if (r == null) throw new InvalidCheckpointException(configJson + ": empty AutoencoderKL config");
        Refuser no = new Refuser(configJson);
        if (r.className() != null && !r.className().equals("AutoencoderKL")) {
            no.refuse("_class_name", r.className(), "only AutoencoderKL is implemented");
        }
        List<Integer> channels = or(r.blockOutChannels(), List.of(64));
        if (channels.isEmpty()) no.refuse("block_out_channels", channels, "needs at least one block");
        List<String> down = or(r.downBlockTypes(), List.of(DOWN_BLOCK));
        List<String> up = or(r.upBlockTypes(), List.of(UP_BLOCK));
        checkBlocks(no, "down_block_types", down, DOWN_BLOCK, channels.size());
        checkBlocks(no, "up_block_types", up, UP_BLOCK, channels.size());
        // diffusers' get_activation maps both names to nn.SiLU
        String act = or(r.actFn(), "silu");
        if (!act.equals("silu") && !act.equals("swish")) no.refuse("act_fn", act, "only silu is implemented");
        int groups = or(r.normNumGroups(), 32);
        for (int c : channels) {
            if (c <= 0 || groups <= 0 || c % groups != 0) {
                no.refuse("block_out_channels", channels, "every width must be a positive multiple of norm_num_groups " + groups);
            }
        }
        int layers = or(r.layersPerBlock(), 1);
        if (layers < 1) no.refuse("layers_per_block", layers, "must be at least 1");
        int in = or(r.inChannels(), 3), out = or(r.outChannels(), 3), latent = or(r.latentChannels(), 4);
        if (in < 1) no.refuse("in_channels", in, "must be positive");
        if (out < 1) no.refuse("out_channels", out, "must be positive");
        if (latent < 1) no.refuse("latent_channels", latent, "must be positive");
        double scaling = or(r.scalingFactor(), 0.18215);
        if (!(scaling > 0) || Double.isInfinite(scaling)) no.refuse("scaling_factor", scaling, "must be a positive number");
        // per-channel latent statistics replace scaling/shift in the pipelines that use them: not implemented
        if (r.latentsMean() != null && !r.latentsMean().isNull()) no.refuse("latents_mean", r.latentsMean(), "per-channel latent normalisation is not implemented");
        if (r.latentsStd() != null && !r.latentsStd().isNull()) no.refuse("latents_std", r.latentsStd(), "per-channel latent normalisation is not implemented");
        return new AutoencoderKLConfig(in, out, channels, layers, latent, groups, scaling, r.shiftFactor(),
                or(r.forceUpcast(), true), or(r.useQuantConv(), true), or(r.usePostQuantConv(), true),
                or(r.midBlockAddAttention(), true));
    }

    private static void checkBlocks(Refuser no, String key, List<String> types, String only, int levels) {
        if (types.size() != levels) no.refuse(key, types, "needs one entry per block_out_channels entry (" + levels + ")");
        for (String t : types) if (!only.equals(t)) no.refuse(key, t, "only " + only + " is implemented");
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    /** 2^(number of levels − 1): image pixels per latent pixel along each axis. */
    public int scaleFactor() {
        return 1 << (blockOutChannels.size() - 1);
    }

    private record Refuser(Path file) {
        void refuse(String key, Object value, String why) {
            throw new InvalidCheckpointException(file + ": " + key + " = " + value + ": " + why);
        }
    }
}
