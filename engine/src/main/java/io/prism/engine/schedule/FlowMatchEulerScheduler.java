package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Rectified flow with Euler steps (Esser et al. 2024, SD3): x_σ = (1 − σ) x₀ + σ ε, the model predicts
 * u = ε − x₀, and x_{σ'} = x_σ + (σ' − σ) u. σ runs from 1 to 0, optionally shifted:
 * σ' = s·σ / (1 + (s − 1)·σ). The model is conditioned on σ·T.
 */
public final class FlowMatchEulerScheduler implements NoiseScheduler {
    private final SchedulerConfig config;

    public FlowMatchEulerScheduler(SchedulerConfig config) {
        this.config = config;
        if (config.prediction() != PredictionType.FLOW) {
            throw new IllegalArgumentException("flow_match_euler needs prediction type 'flow', got " + config.predictionType());
        }
        if (!(config.shift() > 0)) throw new IllegalArgumentException("shift must be > 0, got " + config.shift());
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    double shift(double sigma) {
        double s = config.shift();
        return s * sigma / (1 + (s - 1) * sigma);
    }

    /** σ_0 .. σ_steps, σ_0 = 1 and σ_steps = 0, shifted. */
    public double[] sigmas(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        double[] s = new double[steps + 1];
        for (int i = 0; i <= steps; i++) s[i] = shift(1.0 - (double) i / steps);
        return s;
    }

    @Override
    public float[] timesteps(int steps) {
        double[] s = sigmas(steps);
        float[] t = new float[steps];
        for (int i = 0; i < steps; i++) t[i] = (float) (s[i] * config.numTrainTimesteps());
        return t;
    }

    @Override
    public NDArray step(NDArray u, int index, int steps, NDArray sample) {
        double[] s = sigmas(steps);
        return sample.add(u.mul(s[index + 1] - s[index]));
    }

    @Override
    public NDArray predictOriginal(NDArray u, int index, int steps, NDArray sample) {
        return sample.sub(u.mul(sigmas(steps)[index]));                 // x₀ = x_σ − σ u
    }

    /** σ from a logit-normal distribution (SD3), shifted, as model conditioning values σ·T. */
    @Override
    public float[] sampleTrainingTimesteps(int n, SplittableRandom rng) {
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            double z = gaussian(rng);
            double sigma = shift(1 / (1 + Math.exp(-z)));
            t[i] = (float) (sigma * config.numTrainTimesteps());
        }
        return t;
    }

    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    private NDArray sigma(NDManager m, float[] t, int rank, boolean oneMinus) {
        float[] c = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            double s = t[i] / config.numTrainTimesteps();
            c[i] = (float) (oneMinus ? 1 - s : s);
        }
        long[] shape = new long[rank];
        Arrays.fill(shape, 1);
        shape[0] = t.length;
        return m.create(c, new Shape(shape));
    }

    @Override
    public NDArray addNoise(NDArray x0, NDArray noise, float[] t) {
        int r = x0.getShape().dimension();
        return x0.mul(sigma(x0.getManager(), t, r, true)).add(noise.mul(sigma(x0.getManager(), t, r, false)));
    }

    @Override
    public NDArray target(NDArray x0, NDArray noise, float[] t) {
        return noise.sub(x0);
    }

    @Override
    public NDArray predictOriginalAt(NDArray u, float[] t, NDArray sample) {
        return sample.sub(u.mul(sigma(sample.getManager(), t, sample.getShape().dimension(), false)));
    }
}
