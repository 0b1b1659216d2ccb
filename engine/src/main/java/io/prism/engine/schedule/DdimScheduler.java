package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * DDIM (Song et al. 2021) with η = 0, as configured for Marigold: scaled_linear betas, optional
 * zero-terminal-SNR rescale and trailing spacing (Lin et al. 2024), v / ε / x₀ prediction.
 */
public final class DdimScheduler implements NoiseScheduler {
    private final SchedulerConfig config;
    private final PredictionType prediction;
    private final double[] alphasCumprod;
    private final double finalAlphaCumprod;

    public DdimScheduler(SchedulerConfig config) {
        this.config = config;
        this.prediction = config.prediction();
        if (prediction == PredictionType.FLOW) {
            throw new IllegalArgumentException("DDIM cannot use flow prediction; use flow_match_euler");
        }
        int n = config.numTrainTimesteps();
        if (n < 2) throw new IllegalArgumentException("numTrainTimesteps must be >= 2, got " + n);
        double[] betas = betas(config.betaSchedule(), config.betaStart(), config.betaEnd(), n);
        double[] ac = new double[n];
        double prod = 1;
        for (int i = 0; i < n; i++) {
            prod *= 1 - betas[i];
            ac[i] = prod;
        }
        if (config.rescaleZeroSnr()) {
            ac = rescaleZeroTerminalSnr(ac);
        }
        if (prediction == PredictionType.EPSILON && ac[n - 1] == 0) {
            throw new IllegalArgumentException("epsilon prediction is undefined at zero terminal SNR: use v_prediction or sample");
        }
        this.alphasCumprod = ac;
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0 : ac[0];
    }

    static double[] betas(String schedule, double start, double end, int n) {
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            double f = (double) i / (n - 1);
            b[i] = switch (schedule) {
                case "scaled_linear" -> {
                    double s = Math.sqrt(start) + f * (Math.sqrt(end) - Math.sqrt(start));
                    yield s * s;
                }
                case "linear" -> start + f * (end - start);
                default -> throw new IllegalArgumentException("unknown beta schedule '" + schedule + "' (scaled_linear, linear)");
            };
        }
        return b;
    }

    /** Lin et al. 2024, Algorithm 1: shift and scale √ᾱ so that √ᾱ_{T−1} = 0 and √ᾱ_0 is unchanged. */
    static double[] rescaleZeroTerminalSnr(double[] alphasCumprod) {
        int n = alphasCumprod.length;
        double s0 = Math.sqrt(alphasCumprod[0]);
        double sT = Math.sqrt(alphasCumprod[n - 1]);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double s = (Math.sqrt(alphasCumprod[i]) - sT) * s0 / (s0 - sT);
            out[i] = s * s;
        }
        return out;
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** Integer train timesteps visited for {@code steps} inference steps. */
    public int[] timestepIndices(int steps) {
        int n = config.numTrainTimesteps();
        if (steps < 1 || steps > n) throw new IllegalArgumentException("steps must be in 1.." + n + ", got " + steps);
        int[] t = new int[steps];
        switch (config.timestepSpacing()) {
            case "trailing" -> {
                // diffusers: np.round(np.arange(T, 0, -T / steps)) - 1
                double ratio = (double) n / steps;
                for (int i = 0; i < steps; i++) t[i] = (int) Math.round(n - i * ratio) - 1;
            }
            case "leading" -> {
                int ratio = n / steps;
                for (int i = 0; i < steps; i++) t[i] = (steps - 1 - i) * ratio + config.stepsOffset();
            }
            case "linspace" -> {
                for (int i = 0; i < steps; i++) {
                    t[i] = (int) Math.round((n - 1) * (1.0 - (double) i / Math.max(1, steps - 1)));
                }
            }
            default -> throw new IllegalArgumentException("unknown timestep spacing '" + config.timestepSpacing() + "'");
        }
        return t;
    }

    @Override
    public float[] timesteps(int steps) {
        int[] t = timestepIndices(steps);
        float[] f = new float[t.length];
        for (int i = 0; i < t.length; i++) f[i] = t[i];
        return f;
    }

    /** ᾱ of the timestep after step {@code index}; diffusers: prev = t − T/steps, below 0 → final ᾱ. */
    public double alphaCumprodPrev(int index, int steps) {
        int t = timestepIndices(steps)[index];
        int prev = t - config.numTrainTimesteps() / steps;
        return prev >= 0 ? alphasCumprod[prev] : finalAlphaCumprod;
    }

    @Override
    public NDArray predictOriginal(NDArray modelOutput, int index, int steps, NDArray sample) {
        double a = alphasCumprod[timestepIndices(steps)[index]];
        return x0(modelOutput, sample, a);
    }

    private NDArray x0(NDArray out, NDArray x, double a) {
        double sa = Math.sqrt(a), sb = Math.sqrt(1 - a);
        return switch (prediction) {
            case V_PREDICTION -> x.mul(sa).sub(out.mul(sb));             // x₀ = √ᾱ x_t − √(1−ᾱ) v
            case EPSILON -> x.sub(out.mul(sb)).div(sa);                   // x₀ = (x_t − √(1−ᾱ) ε) / √ᾱ
            case SAMPLE -> out.duplicate();
            case FLOW -> throw new IllegalStateException();
        };
    }

    private NDArray eps(NDArray out, NDArray x, NDArray x0, double a) {
        double sa = Math.sqrt(a), sb = Math.sqrt(1 - a);
        return switch (prediction) {
            case V_PREDICTION -> x.mul(sb).add(out.mul(sa));              // ε = √(1−ᾱ) x_t + √ᾱ v
            case EPSILON -> out.duplicate();
            case SAMPLE -> sb == 0 ? x.zerosLike() : x.sub(x0.mul(sa)).div(sb);
            case FLOW -> throw new IllegalStateException();
        };
    }

    @Override
    public NDArray step(NDArray modelOutput, int index, int steps, NDArray sample) {
        double a = alphasCumprod[timestepIndices(steps)[index]];
        double aPrev = alphaCumprodPrev(index, steps);
        NDArray x0 = x0(modelOutput, sample, a);
        NDArray eps = eps(modelOutput, sample, x0, a);
        // DDIM, η = 0: x_prev = √ᾱ_prev x̂₀ + √(1−ᾱ_prev) ε̂
        return x0.mul(Math.sqrt(aPrev)).add(eps.mul(Math.sqrt(1 - aPrev)));
    }

    @Override
    public float[] sampleTrainingTimesteps(int n, SplittableRandom rng) {
        float[] t = new float[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(config.numTrainTimesteps());
        return t;
    }

    /** (N) per-sample coefficient → (N,1,1,1) array. */
    private NDArray coef(NDManager m, float[] t, boolean noise, int rank) {
        float[] c = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            double a = alphasCumprod[Math.round(t[i])];
            c[i] = (float) (noise ? Math.sqrt(1 - a) : Math.sqrt(a));
        }
        long[] shape = new long[rank];
        java.util.Arrays.fill(shape, 1);
        shape[0] = t.length;
        return m.create(c, new Shape(shape));
    }

    @Override
    public NDArray addNoise(NDArray x0, NDArray noise, float[] t) {
        NDManager m = x0.getManager();
        int r = x0.getShape().dimension();
        return x0.mul(coef(m, t, false, r)).add(noise.mul(coef(m, t, true, r)));
    }

    @Override
    public NDArray target(NDArray x0, NDArray noise, float[] t) {
        NDManager m = x0.getManager();
        int r = x0.getShape().dimension();
        return switch (prediction) {
            case V_PREDICTION -> noise.mul(coef(m, t, false, r)).sub(x0.mul(coef(m, t, true, r)));
            case EPSILON -> noise.duplicate();
            case SAMPLE -> x0.duplicate();
            case FLOW -> throw new IllegalStateException();
        };
    }

    @Override
    public NDArray predictOriginalAt(NDArray out, float[] t, NDArray x) {
        NDManager m = x.getManager();
        int r = x.getShape().dimension();
        NDArray sa = coef(m, t, false, r), sb = coef(m, t, true, r);
        return switch (prediction) {
            case V_PREDICTION -> x.mul(sa).sub(out.mul(sb));
            case EPSILON -> x.sub(out.mul(sb)).div(sa);
            case SAMPLE -> out.duplicate();
            case FLOW -> throw new IllegalStateException();
        };
    }
}
