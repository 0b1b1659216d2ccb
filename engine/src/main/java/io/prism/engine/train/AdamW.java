package io.prism.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import io.prism.engine.model.Tensors;
import java.util.List;

/**
 * AdamW (Loshchilov &amp; Hutter 2019) with global-norm gradient clipping, kept in Java arrays so its
 * state (first and second moments, step count) is saved and restored bit for bit on resume.
 */
public final class AdamW {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    final float[][] m;
    final float[][] v;
    long t;

    public AdamW(List<Parameter> params) {
        m = new float[params.size()][];
        v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            int n = (int) params.get(i).getArray().size();
            m[i] = new float[n];
            v[i] = new float[n];
        }
    }

    /**
     * One update from the accumulated gradients, which are then zeroed.
     *
     * @param decay per parameter: whether weight decay applies (weights yes; biases and norm scales no)
     * @return the gradient norm before clipping
     */
    public double step(List<Parameter> params, boolean[] decay, double lr, double weightDecay, double clip) {
        float[][] grads = new float[params.size()][];
        double sq = 0;
        for (int i = 0; i < params.size(); i++) {
            NDArray a = params.get(i).getArray();
            try (NDArray g = a.getGradient()) {
                grads[i] = g.toFloatArray();
                Tensors.zero(g);                                                       // for the next step
            }
            for (float x : grads[i]) sq += (double) x * x;
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            throw new NonFiniteGradientException("gradient norm is " + norm);
        }
        double scale = clip > 0 && norm > clip ? clip / norm : 1;
        t++;
        double bc1 = 1 - Math.pow(BETA1, t), bc2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < params.size(); i++) {
            NDArray a = params.get(i).getArray();
            float[] w = a.toFloatArray();
            float[] mi = m[i], vi = v[i], g = grads[i];
            double wd = decay[i] ? weightDecay : 0;
            for (int k = 0; k < w.length; k++) {
                double gk = g[k] * scale;
                mi[k] = (float) (BETA1 * mi[k] + (1 - BETA1) * gk);
                vi[k] = (float) (BETA2 * vi[k] + (1 - BETA2) * gk * gk);
                double update = (mi[k] / bc1) / (Math.sqrt(vi[k] / bc2) + EPS);
                w[k] = (float) (w[k] - lr * (update + wd * w[k]));
            }
            Tensors.assign(a, w);
        }
        return norm;
    }

    /** The gradients were NaN or infinite; nothing was updated. */
    public static final class NonFiniteGradientException extends IllegalStateException {
        NonFiniteGradientException(String message) {
            super(message);
        }
    }

    public long steps() {
        return t;
    }
}
