package io.prism.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * SD's ResnetBlock2D: GroupNorm → SiLU → conv3×3, plus a projection of the timestep embedding,
 * GroupNorm → SiLU → conv3×3, residual (1×1 conv when the channel count changes).
 * Inputs: x (N, in, H, W) and temb (N, E); output (N, out, H, W).
 */
public final class ResnetBlock extends AbstractBlock {
    private final int in;
    private final int out;
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d shortcut;

    public ResnetBlock(int in, int out, int groups) {
        this.in = in;
        this.out = out;
        norm1 = addChildBlock("norm1", new GroupNorm(in, groups, 1e-5f));
        conv1 = addChildBlock("conv1", conv(out, 3));
        timeProj = addChildBlock("time_emb_proj", Linear.builder().setUnits(out).build());
        norm2 = addChildBlock("norm2", new GroupNorm(out, groups, 1e-5f));
        conv2 = addChildBlock("conv2", conv(out, 3));
        shortcut = in != out ? addChildBlock("conv_shortcut", conv(out, 1)) : null;
    }

    static Conv2d conv(int filters, int k) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(k, k))
                .optPadding(new Shape(k / 2, k / 2)).build();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray temb = inputs.get(1);
        NDArray h = Nn.call(conv1, ps, Nn.silu(Nn.call(norm1, ps, x, training)), training);
        NDArray t = Nn.call(timeProj, ps, Nn.silu(temb), training);           // (N, out)
        h = h.add(t.reshape(t.getShape().get(0), out, 1, 1));
        h = Nn.call(conv2, ps, Nn.silu(Nn.call(norm2, ps, h, training)), training);
        NDArray skip = shortcut == null ? x : Nn.call(shortcut, ps, x, training);
        return new NDList(skip.add(h));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        Shape o = new Shape(x.get(0), out, x.get(2), x.get(3));
        norm1.initialize(manager, dataType, x);
        conv1.initialize(manager, dataType, x);
        timeProj.initialize(manager, dataType, inputShapes[1]);
        norm2.initialize(manager, dataType, o);
        conv2.initialize(manager, dataType, o);
        if (shortcut != null) shortcut.initialize(manager, dataType, x);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        return new Shape[] {new Shape(x.get(0), out, x.get(2), x.get(3))};
    }

    public int inChannels() { return in; }
}
