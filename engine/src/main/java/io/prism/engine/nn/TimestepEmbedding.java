package io.prism.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Sinusoidal timestep features (cos first, as SD flips them) followed by Linear → SiLU → Linear.
 * Input: t of shape (N) (float timesteps); output (N, dim).
 */
public final class TimestepEmbedding extends AbstractBlock {
    private final int featureDim;
    private final int dim;
    private final Linear linear1;
    private final Linear linear2;

    public TimestepEmbedding(int featureDim, int dim) {
        if (featureDim % 2 != 0) throw new IllegalArgumentException("feature dim must be even: " + featureDim);
        this.featureDim = featureDim;
        this.dim = dim;
        this.linear1 = addChildBlock("linear_1", Linear.builder().setUnits(dim).build());
        this.linear2 = addChildBlock("linear_2", Linear.builder().setUnits(dim).build());
    }

    /** emb = [cos(t·f), sin(t·f)], f_k = exp(−ln(10000)·k/half). */
    public static float[] sinusoidal(float[] t, int dim) {
        int half = dim / 2;
        float[] out = new float[t.length * dim];
        for (int n = 0; n < t.length; n++) {
            for (int k = 0; k < half; k++) {
                double f = Math.exp(-Math.log(10000) * k / half);
                out[n * dim + k] = (float) Math.cos(t[n] * f);
                out[n * dim + half + k] = (float) Math.sin(t[n] * f);
            }
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray t = inputs.singletonOrThrow();
        float[] tv = t.toFloatArray();
        NDArray feat = t.getManager().create(sinusoidal(tv, featureDim), new Shape(tv.length, featureDim));
        NDArray h = Nn.silu(Nn.call(linear1, ps, feat, training));
        return new NDList(Nn.call(linear2, ps, h, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long n = inputShapes[0].get(0);
        linear1.initialize(manager, dataType, new Shape(n, featureDim));
        linear2.initialize(manager, dataType, new Shape(n, dim));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), dim)};
    }
}
