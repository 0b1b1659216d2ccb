package io.prism.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Single-head spatial self-attention with a residual (SD's mid-block attention):
 * GroupNorm → q, k, v (1×1 conv) → softmax(qᵀk / √C) → 1×1 output projection. (N, C, H, W) in and out.
 */
public final class SelfAttention extends AbstractBlock {
    private final int channels;
    private final GroupNorm norm;
    private final Conv2d qkv;
    private final Conv2d proj;

    public SelfAttention(int channels, int groups) {
        this.channels = channels;
        norm = addChildBlock("group_norm", new GroupNorm(channels, groups, 1e-5f));
        qkv = addChildBlock("to_qkv", ResnetBlock.conv(3 * channels, 1));
        proj = addChildBlock("to_out", ResnetBlock.conv(channels, 1));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        long n = s.get(0), hw = s.get(2) * s.get(3);
        NDArray qkvs = Nn.call(qkv, ps, Nn.call(norm, ps, x, training), training).reshape(n, 3, channels, hw);
        NDArray q = qkvs.get(":,0").transpose(0, 2, 1);                   // (N, HW, C)
        NDArray k = qkvs.get(":,1");                                       // (N, C, HW)
        NDArray v = qkvs.get(":,2");                                       // (N, C, HW)
        NDArray attn = q.matMul(k).div(io.prism.engine.model.Tensors.scalar(q, (float) Math.sqrt(channels))).softmax(-1);  // (N, HW_q, HW_k)
        NDArray o = v.matMul(attn.transpose(0, 2, 1)).reshape(s);         // (N, C, H, W)
        return new NDList(x.add(Nn.call(proj, ps, o, training)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        norm.initialize(manager, dataType, inputShapes[0]);
        qkv.initialize(manager, dataType, inputShapes[0]);
        proj.initialize(manager, dataType, inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
