package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;
import io.prism.engine.diffusers.nn.GroupNorm;
import io.prism.engine.diffusers.nn.Linear;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' Transformer2DModel on continuous input (transformers/transformer_2d.py), as the UNet's cross-attention
 * blocks use it: GroupNorm (eps 1e-6, not the resnets' norm_eps) → {@code proj_in} → tokens → BasicTransformerBlocks
 * → {@code proj_out} → back to (N, C, H, W) → + input. With {@code use_linear_projection} (SD2) the projections are
 * Linear layers applied to the tokens; without (SD1) they are 1×1 convolutions applied before/after the reshape.
 */
public final class Transformer2DModel {
    private static final float NORM_EPS = 1e-6f;

    private final GroupNorm norm;
    private final Linear projInLinear;
    private final Conv2d projInConv;
    private final List<BasicTransformerBlock> transformerBlocks = new ArrayList<>();
    private final Linear projOutLinear;
    private final Conv2d projOutConv;
    private final int channels;
    private final int inner;

    /**
     * @param heads   attention heads; head width = {@code inChannels / heads}
     * @param layers  number of BasicTransformerBlocks
     */
    public Transformer2DModel(StateDict sd, String prefix, int heads, int inChannels, int layers, int crossAttentionDim,
                              int normGroups, boolean useLinearProjection, boolean onlyCrossAttention) {
        int headDim = inChannels / heads;
        this.channels = inChannels;
        this.inner = heads * headDim;
        norm = new GroupNorm(sd, prefix + ".norm", normGroups, inChannels, NORM_EPS);
        projInLinear = useLinearProjection ? new Linear(sd, prefix + ".proj_in", inChannels, inner, true) : null;
        projInConv = useLinearProjection ? null : new Conv2d(sd, prefix + ".proj_in", inChannels, inner, 1, 1, 0);
        for (int j = 0; j < layers; j++) {
            transformerBlocks.add(new BasicTransformerBlock(sd, prefix + ".transformer_blocks." + j, inner, heads, headDim,
                    crossAttentionDim, onlyCrossAttention));
        }
        projOutLinear = useLinearProjection ? new Linear(sd, prefix + ".proj_out", inner, inChannels, true) : null;
        projOutConv = useLinearProjection ? null : new Conv2d(sd, prefix + ".proj_out", inner, inChannels, 1, 1, 0);
    }

    /** x (N, C, H, W), context (N, Lk, crossAttentionDim) → (N, C, H, W). */
    public NDArray forward(NDArray x, NDArray context) {
        Shape s = x.getShape();
        long n = s.get(0), h = s.get(2), w = s.get(3);
        NDArray t = norm.forward(x);
        if (projInConv != null) t = projInConv.forward(t);                       // (N, inner, H, W)
        t = t.transpose(0, 2, 3, 1).reshape(n, h * w, t.getShape().get(1));      // (N, HW, ·)
        if (projInLinear != null) t = projInLinear.forward(t);                   // (N, HW, inner)
        for (BasicTransformerBlock block : transformerBlocks) t = block.forward(t, context);
        if (projOutLinear != null) t = projOutLinear.forward(t);                 // (N, HW, C)
        t = t.reshape(n, h, w, t.getShape().get(2)).transpose(0, 3, 1, 2);      // (N, ·, H, W)
        if (projOutConv != null) t = projOutConv.forward(t);                     // (N, C, H, W)
        return t.add(x);
    }

    double flops(long h, long w, long textTokens) {
        long tokens = h * w;
        double f = 2 * (projInConv != null ? Flops.conv(channels, inner, 1, h, w) : Flops.linear(channels, inner, tokens));
        for (BasicTransformerBlock b : transformerBlocks) f += b.flops(tokens, textTokens);
        return f;
    }
}
