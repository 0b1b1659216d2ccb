package io.prism.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.prism.engine.Engines;
import io.prism.engine.model.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The on-device {@link AdamW} against the Java-array loop it replaced and against torch.optim.AdamW's algorithm. */
class AdamWTest {
    static final long[][] SHAPES = {{7, 5}, {13}, {3, 4, 3, 3}};
    static final boolean[] DECAY = {true, false, true};
    static final double[] LR = {1e-2, 2e-2, 3e-2, 2e-2, 1e-2, 5e-3};
    static final double WEIGHT_DECAY = 0.05, CLIP = 6.0;

    @Test
    void deviceUpdateMatchesTheJavaLoopAndTorchAdamWOverSeveralSteps() {
        Engine engine = Engines.pytorch(1);
        Random rnd = new Random(7);
        float[][] w0 = new float[SHAPES.length][];
        for (int i = 0; i < SHAPES.length; i++) w0[i] = gaussian(rnd, size(SHAPES[i]), 1);
        try (NDManager manager = engine.newBaseManager()) {
            List<NDArray> weights = new ArrayList<>();
            for (int i = 0; i < SHAPES.length; i++) {
                NDArray w = manager.create(w0[i], new Shape(SHAPES[i]));
                w.setRequiresGradient(true);
                weights.add(w);
            }
            AdamW device = AdamW.forArrays(weights);
            JavaLoop java = new JavaLoop(copy(w0));
            TorchFormula torch = new TorchFormula(w0);
            boolean clipped = false;
            double lrSum = 0;
            for (int s = 0; s < LR.length; s++) {
                lrSum += LR[s];
                float[][] g = new float[SHAPES.length][];
                for (int i = 0; i < SHAPES.length; i++) g[i] = gaussian(rnd, g0Size(i), s % 2 == 0 ? 2.5 : 0.5);
                setGradients(engine, weights, g);
                double norm = device.stepArrays(weights, DECAY, LR[s], WEIGHT_DECAY, CLIP);
                double javaNorm = java.step(g, LR[s]);
                torch.step(g, LR[s]);
                assertThat(norm).isCloseTo(javaNorm, org.assertj.core.data.Percentage.withPercentage(1e-4));
                clipped |= javaNorm > CLIP;
                for (int i = 0; i < SHAPES.length; i++) {
                    float[] d = weights.get(i).toFloatArray();
                    assertClose(d, java.w[i], 1e-6, lrSum, "step " + (s + 1) + " weight " + i + " vs Java loop");
                    assertClose(d, torch.w[i], 1e-6, lrSum, "step " + (s + 1) + " weight " + i + " vs torch.optim.AdamW");
                    // the gradients were zeroed for the next accumulation
                    assertThat(weights.get(i).getGradient().abs().max().getFloat()).isZero();
                }
            }
            assertThat(clipped).as("some steps were clipped").isTrue();
            // m sums terms (1 − β1)·g of magnitude ~0.1 that may cancel; v sums positive terms
            Map<String, FloatTensor> moments = device.moments(List.of("a", "b", "c"));
            for (int i = 0; i < SHAPES.length; i++) {
                assertClose(moments.get("m." + "abc".charAt(i)).data(), torch.m[i], 1e-5, 0.1, "first moment " + i);
                assertClose(moments.get("v." + "abc".charAt(i)).data(), torch.v[i], 1e-5, 1e-9, "second moment " + i);
            }
            assertThat(device.steps()).isEqualTo(LR.length);
        }
    }

    @Test
    void restoredMomentsContinueBitForBitAndSurviveTheWeightsManagerClosing() {
        Engine engine = Engines.pytorch(1);
        Random rnd = new Random(3);
        float[][] w0 = new float[SHAPES.length][];
        for (int i = 0; i < SHAPES.length; i++) w0[i] = gaussian(rnd, size(SHAPES[i]), 1);
        List<float[][]> grads = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            float[][] g = new float[SHAPES.length][];
            for (int i = 0; i < SHAPES.length; i++) g[i] = gaussian(rnd, g0Size(i), 1);
            grads.add(g);
        }
        List<String> names = List.of("a", "b", "c");
        try (NDManager manager = engine.newBaseManager()) {
            // straight: 4 steps; the weights live in a sub-manager that is closed and rebuilt after step 2, as Trainer does
            NDManager net = manager.newSubManager();
            List<NDArray> straight = weights(net, w0);
            AdamW a = AdamW.forArrays(straight);
            for (int s = 0; s < 2; s++) step(engine, a, straight, grads.get(s));
            float[][] mid = values(straight);
            Map<String, FloatTensor> saved = a.moments(names);
            net.close();
            straight = weights(manager, mid);
            for (int s = 2; s < 4; s++) step(engine, a, straight, grads.get(s));
            // resumed: a fresh optimiser restored from the step-2 moments
            List<NDArray> resumed = weights(manager, mid);
            AdamW b = AdamW.forArrays(resumed);
            b.restore(saved, names, 2);
            for (int s = 2; s < 4; s++) step(engine, b, resumed, grads.get(s));
            for (int i = 0; i < SHAPES.length; i++) {
                assertThat(resumed.get(i).toFloatArray()).containsExactly(straight.get(i).toFloatArray());
            }
            assertThatThrownBy(() -> AdamW.forArrays(resumed.subList(0, 2)).restore(saved, names.subList(0, 2), 2))
                    .hasMessageContaining("optimizer state holds 3 weights");
        }
    }

    @Test
    void aNonFiniteGradientUpdatesNothing() {
        Engine engine = Engines.pytorch(1);
        float[][] w0 = {{1, 2, 3}};
        try (NDManager manager = engine.newBaseManager()) {
            List<NDArray> weights = weights(manager, w0);
            AdamW adam = AdamW.forArrays(weights);
            setGradients(engine, weights, new float[][] {{0.5f, Float.NaN, 1}});
            assertThatThrownBy(() -> adam.stepArrays(weights, new boolean[] {true}, 0.1, 0.01, 1))
                    .isInstanceOf(AdamW.NonFiniteGradientException.class);
            assertThat(weights.get(0).toFloatArray()).containsExactly(1, 2, 3);
            assertThat(adam.steps()).isZero();
            assertThat(adam.moments(List.of("w")).get("m.w").data()).containsExactly(0, 0, 0);
        }
    }

    private static void step(Engine engine, AdamW adam, List<NDArray> weights, float[][] g) {
        setGradients(engine, weights, g);
        adam.stepArrays(weights, DECAY, 1e-2, WEIGHT_DECAY, 2.0);
    }

    private static List<NDArray> weights(NDManager manager, float[][] values) {
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            NDArray w = manager.create(values[i], values.length == SHAPES.length ? new Shape(SHAPES[i]) : new Shape(values[i].length));
            w.setRequiresGradient(true);
            out.add(w);
        }
        return out;
    }

    /** Accumulates exactly {@code g} into each weight's gradient (backward of Σ w·g). */
    private static void setGradients(Engine engine, List<NDArray> weights, float[][] g) {
        try (GradientCollector gc = engine.newGradientCollector(); NDManager tmp = weights.get(0).getManager().newSubManager()) {
            NDArray loss = null;
            for (int i = 0; i < weights.size(); i++) {
                NDArray term = weights.get(i).mul(tmp.create(g[i], weights.get(i).getShape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    private static float[][] values(List<NDArray> weights) {
        float[][] out = new float[weights.size()][];
        for (int i = 0; i < out.length; i++) out[i] = weights.get(i).toFloatArray();
        return out;
    }

    /**
     * |actual − expected| ≤ rel·(|expected| + floor): relative, except where a value passed near zero, where the
     * rounding error is that of the operands (a weight of magnitude ~|w| + Σ lr·|update| moved to it).
     */
    private static void assertClose(float[] actual, float[] expected, double rel, double floor, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int k = 0; k < actual.length; k++) {
            assertThat((double) actual[k]).as(what + " [" + k + "]").isCloseTo(expected[k],
                    org.assertj.core.data.Offset.offset(rel * (Math.abs(expected[k]) + floor)));
        }
    }

    private static int g0Size(int i) {
        return size(SHAPES[i]);
    }

    private static int size(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return Math.toIntExact(n);
    }

    private static float[] gaussian(Random rnd, int n, double sigma) {
        float[] out = new float[n];
        for (int k = 0; k < n; k++) out[k] = (float) (rnd.nextGaussian() * sigma);
        return out;
    }

    private static float[][] copy(float[][] a) {
        float[][] out = new float[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].clone();
        return out;
    }

    /** The Java-array AdamW this class replaced (float moments, double arithmetic per element), verbatim in its maths. */
    private static final class JavaLoop {
        final float[][] w, m, v;
        long t;

        JavaLoop(float[][] w) {
            this.w = w;
            m = new float[w.length][];
            v = new float[w.length][];
            for (int i = 0; i < w.length; i++) {
                m[i] = new float[w[i].length];
                v[i] = new float[w[i].length];
            }
        }

        double step(float[][] g, double lr) {
            double sq = 0;
            for (float[] gi : g) for (float x : gi) sq += (double) x * x;
            double norm = Math.sqrt(sq), scale = norm > CLIP ? CLIP / norm : 1;
            t++;
            double bc1 = 1 - Math.pow(AdamW.BETA1, t), bc2 = 1 - Math.pow(AdamW.BETA2, t);
            for (int i = 0; i < w.length; i++) {
                double wd = DECAY[i] ? WEIGHT_DECAY : 0;
                for (int k = 0; k < w[i].length; k++) {
                    double gk = g[i][k] * scale;
                    m[i][k] = (float) (AdamW.BETA1 * m[i][k] + (1 - AdamW.BETA1) * gk);
                    v[i][k] = (float) (AdamW.BETA2 * v[i][k] + (1 - AdamW.BETA2) * gk * gk);
                    double update = (m[i][k] / bc1) / (Math.sqrt(v[i][k] / bc2) + AdamW.EPS);
                    w[i][k] = (float) (w[i][k] - lr * (update + wd * w[i][k]));
                }
            }
            return norm;
        }
    }

    /**
     * torch.optim.AdamW's documented algorithm in double precision (after clip_grad_norm_): θ ← θ − γλθ; m ← β1·m +
     * (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − γ·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε).
     */
    private static final class TorchFormula {
        final double[][] wd, md, vd;
        final float[][] w, m, v;
        long t;

        TorchFormula(float[][] w0) {
            int n = w0.length;
            wd = new double[n][];
            md = new double[n][];
            vd = new double[n][];
            w = new float[n][];
            m = new float[n][];
            v = new float[n][];
            for (int i = 0; i < n; i++) {
                wd[i] = new double[w0[i].length];
                for (int k = 0; k < w0[i].length; k++) wd[i][k] = w0[i][k];
                md[i] = new double[w0[i].length];
                vd[i] = new double[w0[i].length];
            }
        }

        void step(float[][] g, double lr) {
            double sq = 0;
            for (float[] gi : g) for (float x : gi) sq += (double) x * x;
            double norm = Math.sqrt(sq), clipCoef = Math.min(1, CLIP / (norm + 1e-6));
            t++;
            for (int i = 0; i < wd.length; i++) {
                double lambda = DECAY[i] ? WEIGHT_DECAY : 0;
                w[i] = new float[wd[i].length];
                m[i] = new float[wd[i].length];
                v[i] = new float[wd[i].length];
                for (int k = 0; k < wd[i].length; k++) {
                    double gk = g[i][k] * clipCoef;
                    wd[i][k] -= lr * lambda * wd[i][k];
                    md[i][k] = AdamW.BETA1 * md[i][k] + (1 - AdamW.BETA1) * gk;
                    vd[i][k] = AdamW.BETA2 * vd[i][k] + (1 - AdamW.BETA2) * gk * gk;
                    double mHat = md[i][k] / (1 - Math.pow(AdamW.BETA1, t)), vHat = vd[i][k] / (1 - Math.pow(AdamW.BETA2, t));
                    wd[i][k] -= lr * mHat / (Math.sqrt(vHat) + AdamW.EPS);
                    w[i][k] = (float) wd[i][k];
                    m[i][k] = (float) md[i][k];
                    v[i][k] = (float) vd[i][k];
                }
            }
        }
    }
}
