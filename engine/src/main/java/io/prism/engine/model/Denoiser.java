package io.prism.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * The network of a Marigold-style model: given concat(image latent, noisy target latent) on channels
 * (in that order) and per-sample timesteps, predict the scheduler's target (v, ε, x₀ or flow).
 * A TorchScript SD2 UNet with a fixed empty-text embedding fits this interface.
 */
public interface Denoiser extends AutoCloseable {

    /** (N, C_img + C_tgt, h, w) and t (N) → (N, C_tgt, h, w). */
    NDArray predict(NDArray input, float[] timesteps);

    /** h and w of the latent must be multiples of this. */
    int spatialMultiple();

    /** Rough number of multiply-adds ×2 (FLOPs) of one forward pass per latent pixel, for benchmarks; 0 if unknown. */
    default double flopsPerLatentPixel() {
        return 0;
    }

    @Override
    void close();
}
