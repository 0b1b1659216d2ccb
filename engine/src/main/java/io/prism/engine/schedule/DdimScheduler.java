package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * DDIM (Song et al. 2021) with η = 0, as diffusers' {@code DDIMScheduler} runs it (v0.39, scheduling_ddim.py): scaled
 * linear or linear betas, optional zero-terminal-SNR rescale (Lin et al. 2024), trailing / leading / linspace spacing,
 * v / ε / x₀ prediction. Marigold v1.1 = trailing + zero SNR + v-prediction ({@link SchedulerConfig#marigold()}).
 * <p>
 * Numbers follow diffusers, not the textbook: the ᾱ table is computed the way torch computes it in float32
 * (float linspace, double-accumulated cumprod rounded per element, float rescale), the timesteps with numpy's
 * arange / linspace and half-to-even rounding, prev_t = t − T // steps (so for 3 steps the step from 666 uses ᾱ[333]
 * though the next timestep is 332), and each step with float32 coefficients in diffusers' operation order.
 */
public final class DdimScheduler implements NoiseScheduler {
    /** diffusers' {@code DDIMSchedulerOutput}: the next sample and the x̂₀ it was built from. */
    public record StepOutput(NDArray prevSample, NDArray predOriginalSample) {}

    private final SchedulerConfig config;
    private final PredictionType prediction;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;

    public DdimScheduler(SchedulerConfig config) {
        this.config = config;
        this.prediction = config.prediction();
        if (prediction == PredictionType.FLOW) {
            throw new IllegalArgumentException("DDIM cannot use flow prediction; use flow_match_euler");
        }
        int n = config.numTrainTimesteps();
        if (n < 2) throw new IllegalArgumentException("numTrainTimesteps must be >= 2, got " + n);
        switch (config.timestepSpacing()) {
            case "trailing", "leading", "linspace" -> { }
            default -> throw new IllegalArgumentException("unknown timestep spacing '" + config.timestepSpacing()
                    + "' (trailing, leading, linspace)");
        }
        float[] betas = betas(config.betaSchedule(), config.betaStart(), config.betaEnd(), n);
        if (config.rescaleZeroSnr()) betas = rescaleZeroTerminalSnr(betas);
        float[] ac = cumprod(oneMinus(betas));
        if (prediction == PredictionType.EPSILON && ac[n - 1] == 0) {
            throw new IllegalArgumentException("epsilon prediction is undefined at zero terminal SNR: use v_prediction or sample");
        }
        this.alphasCumprod = ac;
        this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : ac[0];
    }

    /** {@code torch.linspace(start, end, n, dtype=float32)} (squared for scaled_linear: linspace of the square roots). */
    static float[] betas(String schedule, double start, double end, int n) {
        return switch (schedule) {
            case "scaled_linear" -> {
                float[] b = linspace(Math.sqrt(start), Math.sqrt(end), n);
                for (int i = 0; i < n; i++) b[i] = b[i] * b[i];
                yield b;
            }
            case "linear" -> linspace(start, end, n);
            default -> throw new IllegalArgumentException("unknown beta schedule '" + schedule + "' (scaled_linear, linear)");
        };
    }

    /**
     * torch's CPU float32 linspace: step = (end − start) / (n − 1) in float, the first half counted up from start, the
     * second half down from end, each a fused multiply-add (libtorch is built with FMA contraction).
     */
    static float[] linspace(double start, double end, int n) {
        float s = (float) start, e = (float) end;
        float step = (e - s) / (float) (n - 1);
        float[] v = new float[n];
        int half = n / 2;
        for (int i = 0; i < n; i++) v[i] = i < half ? Math.fma(step, (float) i, s) : Math.fma(-step, (float) (n - i - 1), e);
        return v;
    }

    private static float[] oneMinus(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = 1f - x[i];
        return y;
    }

    /** torch.cumprod on CPU: the running product is kept in double, each output rounded to float. */
    private static float[] cumprod(float[] x) {
        float[] y = new float[x.length];
        double acc = 1;
        for (int i = 0; i < x.length; i++) {
            acc *= x[i];
            y[i] = (float) acc;
        }
        return y;
    }

    /**
     * diffusers' {@code rescale_zero_terminal_snr} (Lin et al. 2024, Algorithm 1) in float32: shift and scale √ᾱ so
     * that √ᾱ_{T−1} = 0 and √ᾱ_0 is unchanged, and return the betas of the new ᾱ.
     */
    static float[] rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        float[] sq = cumprod(oneMinus(betas));
        for (int i = 0; i < n; i++) sq[i] = (float) Math.sqrt(sq[i]);
        float s0 = sq[0], sT = sq[n - 1];
        float scale = s0 / (s0 - sT);
        float[] alphaBar = new float[n];
        for (int i = 0; i < n; i++) {
            float s = (sq[i] - sT) * scale;
            alphaBar[i] = s * s;
        }
        float[] out = new float[n];
        out[0] = 1f - alphaBar[0];
        for (int i = 1; i < n; i++) out[i] = 1f - alphaBar[i] / alphaBar[i - 1];
        return out;
    }

    @Override
    public SchedulerConfig config() {
        return config;
    }

    /** ᾱ_t, the float32 value diffusers holds. */
    public double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** The whole ᾱ table (length T, a copy), float32 as diffusers holds it. */
    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** ᾱ used after the last step: 1 with set_alpha_to_one, else ᾱ_0. */
    public float finalAlphaCumprod() {
        return finalAlphaCumprod;
    }

    /** diffusers' prev_t = t − T // steps (integer division; negative after the last step). */
    public int previousTimestep(int t, int steps) {
        return t - config.numTrainTimesteps() / steps;
    }

    /** Integer train timesteps visited for {@code steps} inference steps, as diffusers' {@code set_timesteps}. */
    public int[] timestepIndices(int steps) {
        int n = config.numTrainTimesteps();
        if (steps < 1 || steps > n) throw new IllegalArgumentException("steps must be in 1.." + n + ", got " + steps);
        int[] t = new int[steps];
        switch (config.timestepSpacing()) {
            case "trailing" -> {
                // np.round(np.arange(T, 0, -T / steps)) - 1; numpy's arange fills start + i·delta with
                // delta = (start + step) − start, and rounds half to even
                double ratio = (double) n / steps;
                long length = (long) Math.ceil((0.0 - n) / -ratio);
                if (length != steps) {
                    throw new IllegalArgumentException("trailing spacing with " + steps + " steps: diffusers' numpy.arange yields "
                            + length + " timesteps (the last one −1) for this count; choose another number of steps");
                }
                double second = n + -ratio;
                double delta = second - n;
                for (int i = 0; i < steps; i++) {
                    double v = i == 0 ? n : (i == 1 ? second : n + i * delta);
                    t[i] = (int) Math.rint(v) - 1;
                }
            }
            case "leading" -> {
                int ratio = n / steps;
                for (int i = 0; i < steps; i++) t[i] = (steps - 1 - i) * ratio + config.stepsOffset();
            }
            case "linspace" -> {
                // np.linspace(0, T − 1, steps).round()[::-1]: i·step, the last value set to T − 1 exactly
                double step = steps > 1 ? (double) (n - 1) / (steps - 1) : 0;
                for (int i = 0; i < steps; i++) {
                    double v = steps > 1 && i == steps - 1 ? n - 1 : i * step;
                    t[steps - 1 - i] = (int) Math.rint(v);
                }
            }
            default -> throw new IllegalStateException(config.timestepSpacing());
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

    /** ᾱ of the timestep after step {@code index}; diffusers: prev = t − T // steps, below 0 → final ᾱ. */
    public double alphaCumprodPrev(int index, int steps) {
        int prev = previousTimestep(timestepIndices(steps)[index], steps);
        return prev >= 0 ? alphasCumprod[prev] : finalAlphaCumprod;
    }

    @Override
    public NDArray predictOriginal(NDArray modelOutput, int index, int steps, NDArray sample) {
        float a = alphasCumprod[timestepIndices(steps)[index]];
        return x0(modelOutput, sample, (float) Math.sqrt(a), (float) Math.sqrt(1f - a));
    }

    /** x̂₀ with diffusers' float32 coefficients √ᾱ_t and √(1 − ᾱ_t), in its operation order. */
    private NDArray x0(NDArray out, NDArray x, float sa, float sb) {
        return switch (prediction) {
            case V_PREDICTION -> x.mul(sa).sub(out.mul(sb));             // x₀ = √ᾱ x_t − √(1−ᾱ) v
            case EPSILON -> x.sub(out.mul(sb)).div(sa);                   // x₀ = (x_t − √(1−ᾱ) ε) / √ᾱ
            case SAMPLE -> out.duplicate();
            case FLOW -> throw new IllegalStateException();
        };
    }

    private NDArray eps(NDArray out, NDArray x, NDArray x0, float sa, float sb) {
        return switch (prediction) {
            case V_PREDICTION -> out.mul(sa).add(x.mul(sb));              // ε = √ᾱ v + √(1−ᾱ) x_t
            case EPSILON -> out.duplicate();
            case SAMPLE -> sb == 0 ? x.zerosLike() : x.sub(x0.mul(sa)).div(sb);
            case FLOW -> throw new IllegalStateException();
        };
    }

    @Override
    public NDArray step(NDArray modelOutput, int index, int steps, NDArray sample) {
        StepOutput o = stepAt(modelOutput, timestepIndices(steps)[index], steps, sample);
        o.predOriginalSample().close();
        return o.prevSample();
    }

    /**
     * diffusers' {@code DDIMScheduler.step(model_output, timestep, sample)} with η = 0 after {@code set_timesteps(steps)}:
     * x_prev = √ᾱ_prev x̂₀ + √(1 − ᾱ_prev) ε̂, where ᾱ_prev = ᾱ[t − T // steps], or the final ᾱ below 0.
     */
    public StepOutput stepAt(NDArray modelOutput, int timestep, int steps, NDArray sample) {
        if (timestep < 0 || timestep >= alphasCumprod.length) {
            throw new IllegalArgumentException("timestep must be in 0.." + (alphasCumprod.length - 1) + ", got " + timestep);
        }
        int prevT = previousTimestep(timestep, steps);
        float a = alphasCumprod[timestep];
        float aPrev = prevT >= 0 ? alphasCumprod[prevT] : finalAlphaCumprod;
        float sa = (float) Math.sqrt(a), sb = (float) Math.sqrt(1f - a);
        NDArray x0 = x0(modelOutput, sample, sa, sb);
        try (NDArray eps = eps(modelOutput, sample, x0, sa, sb)) {
            NDArray prev = x0.mul((float) Math.sqrt(aPrev)).add(eps.mul((float) Math.sqrt(1f - aPrev)));
            return new StepOutput(prev, x0);
        }
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
