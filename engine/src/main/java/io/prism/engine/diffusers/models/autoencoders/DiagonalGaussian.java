package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The encoder's posterior, diffusers' DiagonalGaussianDistribution (autoencoders/vae.py): the moments
 * (N, 2C, h, w) split into mean (channels 0..C−1) and log-variance (C..2C−1), the latter clamped to [−30, 20].
 * Sampling takes the noise from the caller, so that runs are reproducible and noise can be shipped with fixtures
 * (diffusers draws it inside {@code sample()}).
 */
public final class DiagonalGaussian {
    private final NDArray mean;
    private final NDArray logvar;

    /** @param moments (N, 2C, h, w): [mean ‖ logvar] as the encoder (and quant_conv, if any) give them */
    public DiagonalGaussian(NDArray moments) {
        NDList halves = moments.split(2, 1);
        this.mean = halves.get(0);
        this.logvar = halves.get(1).clip(-30f, 20f);
    }

    /** (N, C, h, w); also the mode: what Marigold uses as the image latent. */
    public NDArray mean() {
        return mean;
    }

    /** (N, C, h, w), clamped to [−30, 20]. */
    public NDArray logvar() {
        return logvar;
    }

    /** exp(0.5 · logvar). */
    public NDArray std() {
        return logvar.mul(0.5f).exp();
    }

    /** mean + std · eps, with eps ~ N(0, 1) of the mean's shape supplied by the caller (SD3's {@code latent_dist.sample()}). */
    public NDArray sample(NDArray eps) {
        if (!eps.getShape().equals(mean.getShape())) {
            throw new IllegalArgumentException("noise shape " + eps.getShape() + " differs from the posterior's " + mean.getShape());
        }
        return mean.add(std().mul(eps));
    }
}
