package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;

/**
 * diffusers' FlowMatchEulerDiscreteScheduler with a static shift (SD3/3.5), reproducing its float32 / float64 arithmetic
 * so that timesteps, σ and steps equal diffusers' values.
 *
 * <p>Construction: t = 1000, 999, …, 1 (float32), σ = t/T shifted once, σ' = s·σ/(1 + (s−1)·σ) (float32): the training
 * table, σ_max = 1 and σ_min = σ'(1/T) (0.002994 for s = 3). {@link #sigmas(int)} spaces N values linearly from σ_max to
 * σ_min (float64) and shifts them <em>again</em> — which is why the last inference timestep is 8.93 for s = 3, not 3 or
 * 0 — then rounds to float32 and appends 0; the model is conditioned on t = σ·T (a float). {@link #step} is the Euler
 * step x + (σ_{i+1} − σ_i)·v in float32, v the predicted velocity (noise − data).
 */
public final class FlowMatchEulerDiscreteScheduler {
    private final FlowMatchEulerDiscreteConfig config;
    private final float[] trainSigmas;      // (T), descending from 1

    public FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig config) {
        this.config = config;
        int n = config.numTrainTimesteps();
        float s = (float) config.shift(), sm1 = (float) (config.shift() - 1);
        trainSigmas = new float[n];
        for (int i = 0; i < n; i++) {
            float sigma = (float) (n - i) / n;                  // linspace(1, T, T) reversed, / T
            trainSigmas[i] = s * sigma / (1f + sm1 * sigma);     // float32, as torch on the float32 table
        }
    }

    public FlowMatchEulerDiscreteConfig config() {
        return config;
    }

    /** The construction-time σ table (T values, descending), what training indexes. */
    public float[] trainSigmas() {
        return trainSigmas.clone();
    }

    /** The construction-time timesteps σ·T (float32). */
    public float[] trainTimesteps() {
        float[] t = new float[trainSigmas.length];
        for (int i = 0; i < t.length; i++) t[i] = trainSigmas[i] * config.numTrainTimesteps();
        return t;
    }

    public double sigmaMin() {
        return trainSigmas[trainSigmas.length - 1];
    }

    public double sigmaMax() {
        return trainSigmas[0];
    }

    /** set_timesteps(steps) σ: steps + 1 values, the last 0. */
    public float[] sigmas(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        int T = config.numTrainTimesteps();
        double start = sigmaMax() * T, stop = sigmaMin() * T, shift = config.shift();
        float[] out = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            // numpy linspace: start + i·(stop − start)/(N − 1), the last value exactly stop
            double t = steps == 1 ? start : i == steps - 1 ? stop : start + i * ((stop - start) / (steps - 1));
            double sigma = t / T;
            out[i] = (float) (shift * sigma / (1 + (shift - 1) * sigma));
        }
        out[steps] = 0f;
        return out;
    }

    /** set_timesteps(steps) timesteps σ·T (float32): what the transformer is conditioned on, e.g. [1000, 857.69, 602.15, 8.93]. */
    public float[] timesteps(int steps) {
        float[] s = sigmas(steps);
        float[] t = new float[steps];
        for (int i = 0; i < steps; i++) t[i] = s[i] * config.numTrainTimesteps();
        return t;
    }

    /**
     * The training-table index of the reference's timestep sampling for one logit-normal draw u = sigmoid(N(0, 1))
     * (Transparency-Segmentation utils/stable_diffusion_3.py L4-39): index = ⌊u·T⌋ into the construction table (already
     * shifted once), that timestep shifted <em>again</em> by the config's shift, then snapped to the nearest table entry
     * (the first on a tie, as torch's argmin). Net effect ≈ shift² (σ″ = 9s/(1 + 8s) for shift 3). float32 arithmetic
     * as torch's; σ = {@link #trainSigmas()}[index], t = {@link #trainTimesteps()}[index].
     */
    public int trainingIndex(float u) {
        int n = config.numTrainTimesteps();
        if (!(u >= 0f && u < 1f)) throw new IllegalArgumentException("u must be in [0, 1), got " + u);
        float[] table = trainTimesteps();
        int idx = Math.min(n - 1, (int) (u * (float) n));
        float tn = table[idx] / n;
        float s = (float) config.shift();
        float reshifted = s * tn / (1f + (s - 1f) * tn) * n;
        int best = 0;
        float bestDist = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float d = Math.abs(table[i] - reshifted);
            if (d < bestDist) {
                bestDist = d;
                best = i;
            }
        }
        return best;
    }

    /** u = sigmoid(z), z ~ N(0, 1): the logit-normal density (mean 0, std 1) the reference samples training timesteps from. */
    public static float logitNormal(float z) {
        return (float) (1 / (1 + Math.exp(-z)));
    }

    /** Euler step {@code index} of the schedule {@code sigmas}: sample + (σ_{index+1} − σ_index) · velocity, in float32. */
    public NDArray step(NDArray velocity, int index, float[] sigmas, NDArray sample) {
        float dt = sigmas[index + 1] - sigmas[index];
        return sample.add(velocity.mul(dt));
    }
}
