package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * diffusers' AutoencoderKL (autoencoders/autoencoder_kl.py) without tiling or slicing: the Stable Diffusion VAE that
 * maps images in [−1, 1] to a latent f = 2^(levels − 1) times smaller (8 for SD2 / SD3) and back. SD1/2 checkpoints
 * have 4 latent channels and the 1×1 {@code quant_conv} / {@code post_quant_conv}; SD3's has 16 channels and neither.
 *
 * <p>{@link #encode} gives the posterior, {@link #decode} the raw decoder output (no clipping). The diffusion models
 * work on scaled latents: {@link #toLatent} / {@link #fromLatent} apply the checkpoint's scaling_factor and
 * shift_factor exactly as the pipelines do, and are kept apart from encode/decode so that each pipeline chooses what
 * it scales (mean or sample) as diffusers' pipelines do.
 *
 * <p>Inputs are cast to the weights' dtype. Each block runs in its own memory scope, so a forward pass keeps only a
 * few activations alive (at 768² one 128-channel activation is 0.3 GB); results belong to the input's manager.
 */
public final class AutoencoderKL {
    private final AutoencoderKLConfig config;
    private final StateDict weights;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quantConv;       // null when use_quant_conv is false (SD3)
    private final Conv2d postQuantConv;   // null when use_post_quant_conv is false (SD3)

    /** Builds the blocks the config describes, taking each block's tensors from {@code weights} by checkpoint name. */
    public AutoencoderKL(StateDict weights, AutoencoderKLConfig config) {
        this.config = config;
        this.weights = weights;
        int[] channels = config.blockOutChannels().stream().mapToInt(Integer::intValue).toArray();
        int latent = config.latentChannels();
        encoder = new Encoder(weights, "encoder", config.inChannels(), latent, channels, config.layersPerBlock(),
                config.normNumGroups(), true, config.midBlockAddAttention());
        decoder = new Decoder(weights, "decoder", latent, config.outChannels(), channels, config.layersPerBlock(),
                config.normNumGroups(), config.midBlockAddAttention());
        quantConv = config.useQuantConv() ? new Conv2d(weights, "quant_conv", 2 * latent, 2 * latent, 1, 1, 0) : null;
        postQuantConv = config.usePostQuantConv() ? new Conv2d(weights, "post_quant_conv", latent, latent, 1, 1, 0) : null;
    }

    /**
     * Loads a diffusers {@code vae/} folder: {@code config.json} and the safetensors weights, refusing (with
     * {@link io.prism.engine.diffusers.InvalidCheckpointException}) unknown settings, missing or mis-shaped tensors and
     * tensors the architecture does not use.
     *
     * @param variant  null, or e.g. "fp16" to prefer {@code diffusion_pytorch_model.fp16.safetensors}
     * @param dtype    FLOAT32 or FLOAT16 compute dtype
     * @param writable copy the weights instead of aliasing the mapped file (for training)
     */
    public static AutoencoderKL load(Path vaeDir, String variant, NDManager manager, DataType dtype, boolean writable) {
        AutoencoderKLConfig config = AutoencoderKLConfig.read(vaeDir.resolve("config.json"));
        AutoencoderKL vae = new AutoencoderKL(StateDict.load(vaeDir, variant, manager, dtype, writable), config);
        vae.weights.requireAllUsed();
        return vae;
    }

    /** image (N, in, H, W) in [−1, 1], H and W multiples of {@link #scaleFactor()} → posterior over (N, C, H/f, W/f). */
    public DiagonalGaussian encode(NDArray image) {
        return encode(image, null);
    }

    /**
     * As {@link #encode(NDArray)}, showing block outputs to {@code intermediates} under diffusers' module names
     * ("encoder.down_blocks.0", …, "encoder.conv_out", "quant_conv" = [mean ‖ logvar] before the clamp) while they are
     * alive; the consumer must copy what it keeps.
     */
    public DiagonalGaussian encode(NDArray image, BiConsumer<String, NDArray> intermediates) {
        Chain h = new Chain(inComputeType(image)).then(x -> encoder.forward(x, intermediates));
        if (quantConv != null) h.then(quantConv::forward).record(intermediates, "quant_conv");
        return new DiagonalGaussian(h.result());
    }

    /** Unscaled latent z (N, C, h, w) (see {@link #fromLatent}) → raw decoder output (N, out, h·f, w·f), not clipped. */
    public NDArray decode(NDArray z) {
        return decode(z, null);
    }

    /** As {@link #decode(NDArray)}, showing "post_quant_conv", "decoder.conv_in", …, "decoder.conv_out" to {@code intermediates}. */
    public NDArray decode(NDArray z, BiConsumer<String, NDArray> intermediates) {
        Chain h = new Chain(inComputeType(z));
        if (postQuantConv != null) h.then(postQuantConv::forward).record(intermediates, "post_quant_conv");
        return h.then(x -> decoder.forward(x, intermediates)).result();
    }

    /** Posterior mean or sample → the diffusion model's latent: (z − shift_factor) · scaling_factor. */
    public NDArray toLatent(NDArray z) {
        NDArray shifted = config.shiftFactor() == null ? z : z.sub(config.shiftFactor().floatValue());
        return shifted.mul((float) config.scalingFactor());
    }

    /** The diffusion model's latent → what {@link #decode} takes: latent / scaling_factor + shift_factor. */
    public NDArray fromLatent(NDArray latent) {
        NDArray z = latent.div((float) config.scalingFactor());
        return config.shiftFactor() == null ? z : z.add(config.shiftFactor().floatValue());
    }

    private NDArray inComputeType(NDArray x) {
        return x.getDataType() == weights.dtype() ? x : x.toType(weights.dtype(), false);
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    /** Image pixels per latent pixel along each axis: 2^(len(block_out_channels) − 1). */
    public int scaleFactor() {
        return config.scaleFactor();
    }

    /** The weights by checkpoint name, in construction order. */
    public Map<String, NDArray> parameters() {
        return weights.parameters();
    }

    public long parameterCount() {
        return weights.parameterCount();
    }
}
