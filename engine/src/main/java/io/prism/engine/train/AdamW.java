package io.prism.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter 2019) with global-norm gradient clipping, kept in Java arrays so its
 * state (first and second moments, step count) is saved and restored bit for bit on resume. Works on the weights as
 * NDArrays (a DJL block's parameters, or a diffusers model's tensors by checkpoint name).
 */
public final class AdamW {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    final float[][] m;
    final float[][] v;
    long t;

    public AdamW(List<Parameter> params) {
        this(arrays(params));
    }

    private AdamW(Iterable<NDArray> weights) {
        List<float[]> ms = new ArrayList<>(), vs = new ArrayList<>();
        for (NDArray w : weights) {
            int n = Math.toIntExact(w.size());
            ms.add(new float[n]);
            vs.add(new float[n]);
        }
        m = ms.toArray(new float[0][]);
        v = vs.toArray(new float[0][]);
    }

    /** An optimiser for these weights (e.g. a diffusers model's parameters, in a fixed order). */
    public static AdamW forArrays(List<NDArray> weights) {
        return new AdamW(weights);
    }

    private static List<NDArray> arrays(List<Parameter> params) {
        List<NDArray> out = new ArrayList<>();
        for (Parameter p : params) out.add(p.getArray());
        return out;
    }

    /**
     * One update from the accumulated gradients, which are then zeroed.
     *
     * @param decay per parameter: whether weight decay applies (weights yes; biases and norm scales no)
     * @return the gradient norm before clipping
     */
    public double step(List<Parameter> params, boolean[] decay, double lr, double weightDecay, double clip) {
        return stepArrays(arrays(params), decay, lr, weightDecay, clip);
    }

    /** {@link #step} for weights given as arrays (in the order the optimiser was made for). */
    public double stepArrays(List<NDArray> weights, boolean[] decay, double lr, double weightDecay, double clip) {
        // two passes over the gradients (norm, then update) so that only one tensor's gradient is in Java memory at a
        // time: a full-size UNet's gradients would otherwise need another 3.5 GB of heap next to the moments
        double sq = 0;
        for (NDArray a : weights) {
            try (NDArray g = a.getGradient()) {
                for (float x : g.toFloatArray()) sq += (double) x * x;
            }
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            throw new NonFiniteGradientException("gradient norm is " + norm);
        }
        double scale = clip > 0 && norm > clip ? clip / norm : 1;
        t++;
        double bc1 = 1 - Math.pow(BETA1, t), bc2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < weights.size(); i++) {
            NDArray a = weights.get(i);
            float[] g;
            try (NDArray grad = a.getGradient()) {
                g = grad.toFloatArray();
                Tensors.zero(grad);                                                    // for the next step
            }
            float[] w = a.toFloatArray();
            float[] mi = m[i], vi = v[i];
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

    /** The moments as tensors {@code m.<name>} and {@code v.<name>} (one name per weight, in order), for a checkpoint. */
    public Map<String, FloatTensor> moments(List<String> names) {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put("m." + names.get(i), new FloatTensor(new long[] {m[i].length}, m[i]));
            out.put("v." + names.get(i), new FloatTensor(new long[] {v[i].length}, v[i]));
        }
        return out;
    }

    /** Restores {@link #moments} and the step count saved by a checkpoint; refuses a checkpoint of other weights. */
    public void restore(Map<String, FloatTensor> moments, List<String> names, long steps) {
        for (int i = 0; i < names.size(); i++) {
            FloatTensor mi = moments.get("m." + names.get(i)), vi = moments.get("v." + names.get(i));
            if (mi == null || vi == null || mi.data().length != m[i].length || vi.data().length != v[i].length) {
                throw new IllegalArgumentException("optimizer state does not fit weight " + names.get(i)
                        + " (a checkpoint of another architecture?)");
            }
            m[i] = mi.data();
            v[i] = vi.data();
        }
        if (moments.size() != 2 * names.size()) {
            throw new IllegalArgumentException("optimizer state holds " + moments.size() / 2 + " weights, the model " + names.size());
        }
        t = steps;
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
