package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.Linear;

/**
 * transformers' CLIPAttention: multi-head self-attention with biased {@code q_proj}, {@code k_proj}, {@code v_proj},
 * {@code out_proj}, scale head_dim^−0.5 and an additive mask (the causal mask: each token sees itself and the tokens
 * before it, which is what makes the embedding of a prefix independent of what follows).
 */
public final class CLIPAttention {
    private final int heads;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;

    public CLIPAttention(StateDict sd, String prefix, CLIPTextConfig config) {
        int d = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.qProj = new Linear(sd, prefix + ".q_proj", d, d, true);
        this.kProj = new Linear(sd, prefix + ".k_proj", d, d, true);
        this.vProj = new Linear(sd, prefix + ".v_proj", d, d, true);
        this.outProj = new Linear(sd, prefix + ".out_proj", d, d, true);
    }

    /** x (B, L, hidden), mask (L, L) additive → (B, L, hidden). */
    public NDArray forward(NDArray x, NDArray mask) {
        NDArray o = Functional.attention(qProj.forward(x), kProj.forward(x), vProj.forward(x), heads, mask);
        return outProj.forward(o);
    }
}
