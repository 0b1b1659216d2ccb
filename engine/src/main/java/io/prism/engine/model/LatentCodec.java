package io.prism.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * Maps images in [−1, 1] to the latent space the denoiser works in and back. Prism's default is a fixed
 * pixel-unshuffle; SD's VAE (exported to TorchScript, latents scaled by 0.18215) fits the same interface.
 */
public interface LatentCodec extends AutoCloseable {

    /** (N, C, H, W) in [−1, 1], H and W multiples of {@link #downsampleFactor()} → (N, latentChannels(C), H/f, W/f). */
    NDArray encode(NDArray images);

    /** The inverse of {@link #encode}: (N, C_l, h, w) → (N, C, h·f, w·f), roughly in [−1, 1]. */
    NDArray decode(NDArray latents, int imageChannels);

    int downsampleFactor();

    int latentChannels(int imageChannels);

    @Override
    default void close() {}
}
