package io.prism.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import io.prism.engine.Engines;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter 2019) with global-norm gradient clipping, updating the weights in place on their own
 * device: the first and second moments are float32 NDArrays next to each weight and the update is a handful of
 * PyTorch ops per tensor, so no weight or gradient is copied to Java per step (a full-size UNet's Java loop cost 25-34 s
 * a step on CPU and would dominate a GPU step). The update is torch.optim.AdamW's: decoupled decay, bias-corrected
 * moments, eps added after the bias correction of √v. The moments are read back to Java only for a checkpoint
 * ({@link #moments}), and {@link #restore} puts them back bit for bit, so a resumed run is bit-identical.
 * Works on the weights as NDArrays (a DJL block's parameters, or a diffusers model's tensors by checkpoint name).
 *
 * <p>The moments live in a sub-manager of the weights' base manager (not the weights' own manager, which a trainer
 * may close to rebuild its network), so they are freed with that base manager, or earlier by {@link #close}.
 */
public final class AdamW implements AutoCloseable {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private final NDManager state;
    private final NDArray[] m;
    private final NDArray[] v;
    private long t;

    public AdamW(List<Parameter> params) {
        this(arrays(params));
    }

    private AdamW(Iterable<NDArray> weightArrays) {
        List<NDArray> weights = new ArrayList<>();
        weightArrays.forEach(weights::add);
        if (weights.isEmpty()) throw new IllegalArgumentException("no weights to optimise");
        state = baseManager(weights.get(0).getManager()).newSubManager();
        m = new NDArray[weights.size()];
        v = new NDArray[weights.size()];
        for (int i = 0; i < m.length; i++) {
            NDArray w = weights.get(i);
            m[i] = state.zeros(w.getShape(), DataType.FLOAT32, w.getDevice());
            v[i] = state.zeros(w.getShape(), DataType.FLOAT32, w.getDevice());
        }
    }

    /** The top-most manager below the engine's system manager: the one a trainer opened and will close. */
    private static NDManager baseManager(NDManager manager) {
        while (manager.getParentManager() != null && manager.getParentManager().getParentManager() != null) {
            manager = manager.getParentManager();
        }
        return manager;
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

    /**
     * {@link #step} for weights given as arrays (in the order the optimiser was made for). Nothing is updated when the
     * gradient norm is not finite ({@link NonFiniteGradientException}).
     */
    public double stepArrays(List<NDArray> weights, boolean[] decay, double lr, double weightDecay, double clip) {
        if (weights.size() != m.length) {
            throw new IllegalArgumentException(weights.size() + " weights for an optimiser of " + m.length);
        }
        // in-place writes into leaves that require gradients must not be recorded by autograd
        boolean grad = Engines.gradMode(false);
        try {
            double norm = gradientNorm(weights);
            if (!Double.isFinite(norm)) {
                throw new NonFiniteGradientException("gradient norm is " + norm);
            }
            double scale = clip > 0 && norm > clip ? clip / norm : 1;
            t++;
            double bc1 = 1 - Math.pow(BETA1, t), bc2 = 1 - Math.pow(BETA2, t);
            double sqrtBc2 = Math.sqrt(bc2);
            for (int i = 0; i < weights.size(); i++) {
                NDArray w = weights.get(i), mi = m[i], vi = v[i];
                // every op is in place: a temporary per op would allocate (and page-fault) the size of the model
                // several times a step. The gradient's own buffer, zeroed afterwards anyway, is the scratch space.
                try (NDArray g = w.getGradient()) {
                    if (scale != 1) g.muli(scale);
                    // m ← β1·m + (1 − β1)·g as (1 − β1)·(β1/(1 − β1)·m + g): in place, and no cancellation of g − β1·g
                    mi.muli(BETA1 / (1 - BETA1)).addi(g).muli(1 - BETA1);
                    g.muli(g);
                    vi.muli(BETA2 / (1 - BETA2)).addi(g).muli(1 - BETA2);   // v ← β2·v + (1 − β2)·g²
                    g.muli(0).addi(vi).powi(0.5).divi(sqrtBc2).addi(EPS);    // √(v / bc2) + eps
                    g.powi(-1).muli(mi).muli(lr / bc1);                      // lr · (m / bc1) / (√(v / bc2) + eps)
                    if (decay[i] && weightDecay != 0) w.muli(1 - lr * weightDecay);  // decoupled decay from the old weight
                    w.subi(g);
                    Tensors.zero(g);                                         // for the next step
                }
            }
            return norm;
        } finally {
            Engines.gradMode(grad);
        }
    }

    /** √Σ g² over all gradients: one norm per tensor on its device, read back once. */
    private static double gradientNorm(List<NDArray> weights) {
        NDList squares = new NDList(weights.size());
        try {
            for (NDArray w : weights) {
                try (NDArray g = w.getGradient(); NDArray n = g.norm(); NDArray n64 = n.toType(DataType.FLOAT64, false)) {
                    squares.add(n64.square());                                    // a reduction: no tensor-sized temporary
                }
            }
            try (NDArray all = NDArrays.stack(squares); NDArray total = all.sum()) {
                return Math.sqrt(total.getDouble());
            }
        } finally {
            squares.close();
        }
    }

    /** The moments as tensors {@code m.<name>} and {@code v.<name>} (one name per weight, in order), for a checkpoint. */
    public Map<String, FloatTensor> moments(List<String> names) {
        if (names.size() != m.length) throw new IllegalArgumentException(names.size() + " names for " + m.length + " weights");
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put("m." + names.get(i), new FloatTensor(new long[] {m[i].size()}, m[i].toFloatArray()));
            out.put("v." + names.get(i), new FloatTensor(new long[] {v[i].size()}, v[i].toFloatArray()));
        }
        return out;
    }

    /** Restores {@link #moments} and the step count saved by a checkpoint; refuses a checkpoint of other weights. */
    public void restore(Map<String, FloatTensor> moments, List<String> names, long steps) {
        if (names.size() != m.length) throw new IllegalArgumentException(names.size() + " names for " + m.length + " weights");
        for (int i = 0; i < names.size(); i++) {
            FloatTensor mi = moments.get("m." + names.get(i)), vi = moments.get("v." + names.get(i));
            if (mi == null || vi == null || mi.data().length != m[i].size() || vi.data().length != v[i].size()) {
                throw new IllegalArgumentException("optimizer state does not fit weight " + names.get(i)
                        + " (a checkpoint of another architecture?)");
            }
        }
        if (moments.size() != 2 * names.size()) {
            throw new IllegalArgumentException("optimizer state holds " + moments.size() / 2 + " weights, the model " + names.size());
        }
        for (int i = 0; i < names.size(); i++) {
            m[i] = replace(m[i], moments.get("m." + names.get(i)).data());
            v[i] = replace(v[i], moments.get("v." + names.get(i)).data());
        }
        t = steps;
    }

    private NDArray replace(NDArray old, float[] data) {
        NDArray fresh = state.create(data, old.getShape());
        if (!fresh.getDevice().equals(old.getDevice())) {
            NDArray host = fresh;
            fresh = host.toDevice(old.getDevice(), true);
            host.close();
        }
        old.close();
        return fresh;
    }

    /** Frees the moments now (otherwise they go with the weights' base manager). */
    @Override
    public void close() {
        state.close();
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
