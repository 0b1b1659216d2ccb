package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;

import java.util.SplittableRandom;

/**
 * The sampler side of a diffusion / flow model: which timesteps to visit, how to step, and, for
 * training, how to corrupt a clean latent and what the denoiser should predict. Model outputs and
 * samples are latents of shape (N, C, h, w); per-sample timesteps are given as float arrays of length N.
 */
public interface NoiseScheduler {

    SchedulerConfig config();

    /** The values fed to the denoiser's timestep embedding, in denoising order (e.g. 999, 749, 499, 249). */
    float[] timesteps(int steps);

    /** One denoising step: x at step {@code index} of {@code steps} → x at the next one. */
    NDArray step(NDArray modelOutput, int index, int steps, NDArray sample);

    /** The clean-latent estimate x̂₀ implied by a model output at step {@code index}. */
    NDArray predictOriginal(NDArray modelOutput, int index, int steps, NDArray sample);

    /** Training: timesteps (as model conditioning values) for a batch of n samples. */
    float[] sampleTrainingTimesteps(int n, SplittableRandom rng);

    /** Training: the noisy latent x_t for clean x₀, noise ε and per-sample timesteps. */
    NDArray addNoise(NDArray x0, NDArray noise, float[] t);

    /** Training: the regression target for the denoiser at x_t. */
    NDArray target(NDArray x0, NDArray noise, float[] t);

    /** Training: x̂₀ from the model output at per-sample timesteps (for validation / visualisation). */
    NDArray predictOriginalAt(NDArray modelOutput, float[] t, NDArray sample);
}
