package io.prism.engine.diffusers.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.GroupNorm;
import io.prism.engine.diffusers.nn.Linear;

/**
 * diffusers' Attention with AttnProcessor2_0 (attention_processor.py), in the two forms SD2 uses: the UNet
 * transformers' self/cross attention on token sequences (q/k/v without bias, no norm, residual added by the caller),
 * and the VAE's single-head spatial attention (own GroupNorm, q/k/v with bias, residual connection) on (N, C, H, W).
 * Weights: {@code to_q}, {@code to_k}, {@code to_v}, {@code to_out.0}, optional {@code group_norm}.
 */
public final class Attention {
    private final int heads;
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final boolean residualConnection;
    private final float rescaleOutputFactor;

    /**
     * @param crossAttentionDim key/value input width (= queryDim for self-attention)
     * @param normGroups        > 0: a GroupNorm over the input with that many groups and {@code normEps}
     */
    public Attention(StateDict sd, String prefix, int queryDim, int crossAttentionDim, int heads, int dimHead, boolean qkvBias,
                     int normGroups, float normEps, boolean residualConnection, float rescaleOutputFactor) {
        int inner = heads * dimHead;
        this.heads = heads;
        this.groupNorm = normGroups > 0 ? new GroupNorm(sd, prefix + ".group_norm", normGroups, queryDim, normEps) : null;
        this.toQ = new Linear(sd, prefix + ".to_q", queryDim, inner, qkvBias);
        this.toK = new Linear(sd, prefix + ".to_k", crossAttentionDim, inner, qkvBias);
        this.toV = new Linear(sd, prefix + ".to_v", crossAttentionDim, inner, qkvBias);
        this.toOut = new Linear(sd, prefix + ".to_out.0", inner, queryDim, true);
        this.residualConnection = residualConnection;
        this.rescaleOutputFactor = rescaleOutputFactor;
    }

    /**
     * x (N, L, C) or (N, C, H, W); context (N, Lk, C_k) for cross-attention or null for self-attention → x's shape.
     */
    public NDArray forward(NDArray x, NDArray context) {
        Shape s = x.getShape();
        boolean spatial = s.dimension() == 4;
        NDArray residual = x;
        NDArray h = x;
        if (groupNorm != null) h = groupNorm.forward(h);
        if (spatial) h = h.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);   // (N, HW, C)
        NDArray kv = context == null ? h : context;
        NDArray o = Functional.attention(toQ.forward(h), toK.forward(kv), toV.forward(kv), heads);
        o = toOut.forward(o);
        if (spatial) o = o.transpose(0, 2, 1).reshape(s);                                        // back to (N, C, H, W)
        if (residualConnection) o = o.add(residual);
        return rescaleOutputFactor == 1f ? o : o.div(io.prism.engine.model.Tensors.scalar(o, rescaleOutputFactor));
    }
}
