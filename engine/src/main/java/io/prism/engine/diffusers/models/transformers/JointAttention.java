package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.Linear;
import io.prism.engine.diffusers.nn.RMSNorm;

/**
 * diffusers' Attention as JointTransformerBlock builds it, run by JointAttnProcessor2_0 (attention_processor.py).
 *
 * <p>With added projections (the block's {@code attn}): image tokens (to_q/k/v) and context tokens
 * (add_q/k/v_proj) are projected separately, their per-head q and k RMS-normalised (norm_q/k, norm_added_q/k, when
 * qk_norm is rms_norm), concatenated as [image ‖ context] along the sequence and attended jointly without mask; the
 * result is split back and projected by to_out.0 (image) and to_add_out (context — absent in the last block, whose
 * context output is discarded: {@code context_pre_only}). Without them (SD3.5's {@code attn2}) it is plain
 * self-attention over the image tokens with the same q/k norm.
 */
public final class JointAttention {
    static final float QK_NORM_EPS = 1e-6f;
    private final int heads;
    private final int headDim;
    private final Linear toQ, toK, toV, toOut;
    private final RMSNorm normQ, normK;                            // null without qk_norm
    private final Linear addQ, addK, addV, toAddOut;               // null without added projections / with context_pre_only
    private final RMSNorm normAddedQ, normAddedK;

    /**
     * @param addedProjections context projections (the joint {@code attn}); false for the image-only {@code attn2}
     * @param contextPreOnly   no {@code to_add_out}: the context part of the result is not used
     * @param qkNorm           null or "rms_norm"
     */
    public JointAttention(StateDict sd, String prefix, int dim, int heads, int headDim, boolean addedProjections,
                          boolean contextPreOnly, String qkNorm) {
        this.heads = heads;
        this.headDim = headDim;
        int inner = heads * headDim;
        toQ = new Linear(sd, prefix + ".to_q", dim, inner, true);
        toK = new Linear(sd, prefix + ".to_k", dim, inner, true);
        toV = new Linear(sd, prefix + ".to_v", dim, inner, true);
        boolean rms = "rms_norm".equals(qkNorm);
        normQ = rms ? new RMSNorm(sd, prefix + ".norm_q", headDim, QK_NORM_EPS) : null;
        normK = rms ? new RMSNorm(sd, prefix + ".norm_k", headDim, QK_NORM_EPS) : null;
        if (addedProjections) {
            addQ = new Linear(sd, prefix + ".add_q_proj", dim, inner, true);
            addK = new Linear(sd, prefix + ".add_k_proj", dim, inner, true);
            addV = new Linear(sd, prefix + ".add_v_proj", dim, inner, true);
            normAddedQ = rms ? new RMSNorm(sd, prefix + ".norm_added_q", headDim, QK_NORM_EPS) : null;
            normAddedK = rms ? new RMSNorm(sd, prefix + ".norm_added_k", headDim, QK_NORM_EPS) : null;
        } else {
            addQ = addK = addV = null;
            normAddedQ = normAddedK = null;
        }
        toOut = new Linear(sd, prefix + ".to_out.0", inner, dim, true);
        toAddOut = addedProjections && !contextPreOnly ? new Linear(sd, prefix + ".to_add_out", inner, dim, true) : null;
    }

    /**
     * x (N, L, D) and context (N, Lc, D) → [image output (N, L, D), context output (N, Lc, D)]; the context output is
     * the raw attention result when there is no to_add_out. With context null (attn2): [image output].
     */
    public NDList forward(NDArray x, NDArray context) {
        NDArray q = perHead(toQ.forward(x), normQ), k = perHead(toK.forward(x), normK), v = toV.forward(x);
        if (context == null) return new NDList(toOut.forward(Functional.attention(q, k, v, heads)));
        if (addQ == null) throw new IllegalStateException("this attention has no context projections");
        NDArray cq = perHead(addQ.forward(context), normAddedQ), ck = perHead(addK.forward(context), normAddedK);
        NDArray cv = addV.forward(context);
        long tokens = x.getShape().get(1);
        NDArray joint = Functional.attention(q.concat(cq, 1), k.concat(ck, 1), v.concat(cv, 1), heads);   // (N, L + Lc, inner)
        NDList parts = joint.split(new long[] {tokens}, 1);
        NDArray contextOut = toAddOut == null ? parts.get(1) : toAddOut.forward(parts.get(1));
        return new NDList(toOut.forward(parts.get(0)), contextOut);
    }

    /** RMS-normalises each head's slice of (N, L, heads·headDim); identity without qk_norm. */
    private NDArray perHead(NDArray t, RMSNorm norm) {
        if (norm == null) return t;
        var s = t.getShape();
        return norm.forward(t.reshape(s.get(0), s.get(1), heads, headDim)).reshape(s);
    }
}
