package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;

import java.util.function.BiConsumer;

/**
 * diffusers' JointTransformerBlock (attention.py), one MMDiT block: the image and context streams each get
 * adaLN-Zero modulation from temb, attend jointly, and run their own gated MLP.
 *
 * <p>Variants the config selects: {@code use_dual_attention} (SD3.5-medium blocks 0-12) adds an image-only attention
 * {@code attn2} on its own modulation of the same normalised input (SD35AdaLayerNormZeroX); {@code context_pre_only}
 * (the last block) normalises the context with AdaLayerNormContinuous and returns no context — nothing reads it.
 */
public final class JointTransformerBlock {
    static final float NORM2_EPS = 1e-6f;
    private final boolean dualAttention;
    private final boolean contextPreOnly;
    private final AdaLayerNormZero norm1;                    // null in dual-attention blocks
    private final SD35AdaLayerNormZeroX norm1X;              // null otherwise
    private final AdaLayerNormZero norm1Context;             // null with context_pre_only
    private final AdaLayerNormContinuous norm1ContextPreOnly; // null otherwise
    private final JointAttention attn;
    private final JointAttention attn2;                      // null without dual attention
    private final FeedForward ff;
    private final FeedForward ffContext;                     // null with context_pre_only

    public JointTransformerBlock(StateDict sd, String prefix, int dim, int heads, int headDim, boolean contextPreOnly,
                                 String qkNorm, boolean dualAttention) {
        this.dualAttention = dualAttention;
        this.contextPreOnly = contextPreOnly;
        norm1 = dualAttention ? null : new AdaLayerNormZero(sd, prefix + ".norm1", dim);
        norm1X = dualAttention ? new SD35AdaLayerNormZeroX(sd, prefix + ".norm1", dim) : null;
        norm1Context = contextPreOnly ? null : new AdaLayerNormZero(sd, prefix + ".norm1_context", dim);
        norm1ContextPreOnly = contextPreOnly ? new AdaLayerNormContinuous(sd, prefix + ".norm1_context", dim, dim) : null;
        attn = new JointAttention(sd, prefix + ".attn", dim, heads, headDim, true, contextPreOnly, qkNorm);
        attn2 = dualAttention ? new JointAttention(sd, prefix + ".attn2", dim, heads, headDim, false, false, qkNorm) : null;
        ff = new FeedForward(sd, prefix + ".ff", dim, dim);
        ffContext = contextPreOnly ? null : new FeedForward(sd, prefix + ".ff_context", dim, dim);
    }

    public boolean contextPreOnly() {
        return contextPreOnly;
    }

    /**
     * hidden (N, L, D), context (N, Lc, D), temb (N, D) → [hidden (N, L, D), context (N, Lc, D)], or [hidden] for a
     * context_pre_only block. Sub-results are shown to {@code intermediates} as "&lt;name&gt;.norm1.&lt;i&gt;" (diffusers'
     * return-tuple positions), ".norm1_context.&lt;i&gt;", ".attn.0" / ".attn.1", ".attn2", ".ff", ".ff_context".
     */
    public NDList forward(NDArray hidden, NDArray context, NDArray temb, String name, BiConsumer<String, NDArray> intermediates) {
        NDList n1 = dualAttention ? norm1X.forward(hidden, temb) : norm1.forward(hidden, temb);
        probeAll(intermediates, name + ".norm1", n1);
        NDArray gateMsa = n1.get(1), shiftMlp = n1.get(2), scaleMlp = n1.get(3), gateMlp = n1.get(4);
        NDList n1c = null;
        NDArray normContext;
        if (contextPreOnly) {
            normContext = norm1ContextPreOnly.forward(context, temb);
            probe(intermediates, name + ".norm1_context", normContext);
        } else {
            n1c = norm1Context.forward(context, temb);
            probeAll(intermediates, name + ".norm1_context", n1c);
            normContext = n1c.get(0);
        }

        NDList attnOut = attn.forward(n1.get(0), normContext);
        probe(intermediates, name + ".attn.0", attnOut.get(0));
        probe(intermediates, name + ".attn.1", attnOut.get(1));
        hidden = hidden.add(attnOut.get(0).mul(gateMsa.expandDims(1)));
        if (dualAttention) {
            NDArray attn2Out = attn2.forward(n1.get(5), null).get(0);
            probe(intermediates, name + ".attn2", attn2Out);
            hidden = hidden.add(attn2Out.mul(n1.get(6).expandDims(1)));
        }
        NDArray ffOut = ff.forward(Modulation.modulate(Modulation.layerNorm(hidden, NORM2_EPS), scaleMlp, shiftMlp));
        probe(intermediates, name + ".ff", ffOut);
        hidden = hidden.add(ffOut.mul(gateMlp.expandDims(1)));
        if (contextPreOnly) return new NDList(hidden);

        NDArray cGateMsa = n1c.get(1), cShiftMlp = n1c.get(2), cScaleMlp = n1c.get(3), cGateMlp = n1c.get(4);
        context = context.add(attnOut.get(1).mul(cGateMsa.expandDims(1)));
        NDArray ffContextOut = ffContext.forward(Modulation.modulate(Modulation.layerNorm(context, NORM2_EPS), cScaleMlp, cShiftMlp));
        probe(intermediates, name + ".ff_context", ffContextOut);
        context = context.add(ffContextOut.mul(cGateMlp.expandDims(1)));
        return new NDList(hidden, context);
    }

    private static void probeAll(BiConsumer<String, NDArray> intermediates, String name, NDList values) {
        if (intermediates != null) for (int i = 0; i < values.size(); i++) intermediates.accept(name + "." + i, values.get(i));
    }

    private static void probe(BiConsumer<String, NDArray> intermediates, String name, NDArray value) {
        if (intermediates != null) intermediates.accept(name, value);
    }
}
