package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.Attention;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.LayerNorm;

/**
 * diffusers' BasicTransformerBlock (attention.py) in SD's configuration — pre-LayerNorm (eps 1e-5), no attention
 * biases except the output projections, GEGLU feed-forward:
 * x + attn1(norm1 x) → + attn2(norm2 x, text) → + ff(norm3 x).
 * attn1 is self-attention, or cross-attention on the text when {@code only_cross_attention}.
 * Each sub-layer runs in its own memory scope, so an attention's score matrices are freed as soon as it returns.
 */
public final class BasicTransformerBlock {
    private static final float NORM_EPS = 1e-5f;

    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final FeedForward ff;
    private final boolean onlyCrossAttention;
    private final int dim;
    private final int inner;
    private final int crossAttentionDim;

    public BasicTransformerBlock(StateDict sd, String prefix, int dim, int heads, int headDim, int crossAttentionDim,
                                 boolean onlyCrossAttention) {
        this.dim = dim;
        this.inner = heads * headDim;
        this.crossAttentionDim = crossAttentionDim;
        this.onlyCrossAttention = onlyCrossAttention;
        norm1 = new LayerNorm(sd, prefix + ".norm1", dim, NORM_EPS);
        attn1 = new Attention(sd, prefix + ".attn1", dim, onlyCrossAttention ? crossAttentionDim : dim, heads, headDim,
                false, 0, 0f, false, 1f);
        norm2 = new LayerNorm(sd, prefix + ".norm2", dim, NORM_EPS);
        attn2 = new Attention(sd, prefix + ".attn2", dim, crossAttentionDim, heads, headDim, false, 0, 0f, false, 1f);
        norm3 = new LayerNorm(sd, prefix + ".norm3", dim, NORM_EPS);
        ff = new FeedForward(sd, prefix + ".ff", dim, dim, 4);
    }

    /** x (N, L, dim), context (N, Lk, crossAttentionDim) → (N, L, dim). */
    public NDArray forward(NDArray x, NDArray context) {
        NDArray h = Functional.scoped(new NDList(x, context),
                l -> attn1.forward(norm1.forward(l.get(0)), onlyCrossAttention ? l.get(1) : null).add(l.get(0)));
        h = Functional.scoped(new NDList(h, context), l -> attn2.forward(norm2.forward(l.get(0)), l.get(1)).add(l.get(0)));
        return Functional.scoped(new NDList(h), l -> ff.forward(norm3.forward(l.get(0))).add(l.get(0)));
    }

    double flops(long tokens, long textTokens) {
        long kv1 = onlyCrossAttention ? textTokens : tokens, kv1Dim = onlyCrossAttention ? crossAttentionDim : dim;
        double a1 = Flops.linear(dim, inner, tokens) + 2 * Flops.linear(kv1Dim, inner, kv1)
                + Flops.attention(tokens, kv1, inner) + Flops.linear(inner, dim, tokens);
        double a2 = Flops.linear(dim, inner, tokens) + 2 * Flops.linear(crossAttentionDim, inner, textTokens)
                + Flops.attention(tokens, textTokens, inner) + Flops.linear(inner, dim, tokens);
        return a1 + a2 + ff.flops(tokens);
    }
}
