package io.prism.engine.diffusers.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import io.prism.engine.model.Tensors;

import java.util.function.Function;

/**
 * The stateless ops diffusers' and transformers' models need that DJL has no single call for (torch.nn.functional's
 * role here). Each is checked against PyTorch in the reference fixtures; see shared/notes/djl-ops-for-diffusion.md.
 */
public final class Functional {
    /** Attention score matrices above this many bytes are computed in query chunks (bit-identical, less memory). */
    static final long ATTENTION_CHUNK_BYTES = 1L << 30;

    private Functional() {}

    /** SiLU(x) = x · σ(x) (≤ 1 ulp from F.silu). */
    public static NDArray silu(NDArray x) {
        return consume(Activation.sigmoid(x), x::mul);
    }

    /**
     * {@code op(in)}, then releases {@code in}: for full-size intermediates that nothing reads after the next op, so a
     * block holds one or two activations instead of all it made until its scope closes. Safe under autograd, which keeps
     * its own references to what backward needs; {@code in} must be the caller's own intermediate, never an input.
     */
    public static NDArray consume(NDArray in, java.util.function.UnaryOperator<NDArray> op) {
        NDArray out = op.apply(in);
        if (out != in) in.close();
        return out;
    }

    /** Exact (erf) GELU, as F.gelu / HF "gelu" / diffusers GEGLU. */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** tanh-approximated GELU (diffusers "gelu-approximate", T5 "gelu_new"). */
    public static NDArray geluTanh(NDArray x) {
        // scalars as tensors PyTorch owns: DJL frees a Number operand right after the op, but backward still reads it
        NDArray cube = x.mul(x).mul(x);
        NDArray inner = x.add(cube.mul(Tensors.scalar(x, 0.044715f))).mul(Tensors.scalar(x, (float) Math.sqrt(2 / Math.PI)));
        return x.mul(Tensors.scalar(x, 0.5f)).mul(inner.tanh().add(Tensors.scalar(x, 1f)));
    }

    /**
     * Multi-head scaled dot-product attention without mask: q (B, Lq, C), k and v (B, Lk, C) → (B, Lq, C), with
     * C = heads · headDim and scale 1/√headDim. Large score matrices are computed in chunks of queries.
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, int heads) {
        return attention(q, k, v, heads, null);
    }

    /**
     * {@link #attention(NDArray, NDArray, NDArray, int)} with an additive mask (Lq, Lk) added to the scaled scores before
     * the softmax, shared by every batch entry and head: e.g. CLIP's causal mask (dtype minimum above the diagonal).
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, int heads, NDArray mask) {
        Shape qs = q.getShape(), ks = k.getShape();
        long b = qs.get(0), lq = qs.get(1), c = qs.get(2), lk = ks.get(1), d = c / heads;
        float scale = (float) (1 / Math.sqrt(d));
        // the scale as a libtorch-owned tensor: autograd keeps it for backward (see Tensors.scalar)
        NDArray qh = q.reshape(b, lq, heads, d).transpose(0, 2, 1, 3).mul(io.prism.engine.model.Tensors.scalar(q, scale));   // (B, H, Lq, D)
        NDArray kt = k.reshape(b, lk, heads, d).transpose(0, 2, 3, 1);              // (B, H, D, Lk)
        NDArray vh = v.reshape(b, lk, heads, d).transpose(0, 2, 1, 3);              // (B, H, Lk, D)
        long scoreBytes = b * heads * lq * lk * 4;
        NDArray o;
        if (scoreBytes <= ATTENTION_CHUNK_BYTES) {
            NDArray scores = qh.matMul(kt);                                         // (B, H, Lq, Lk)
            if (mask != null) scores = scores.add(mask);
            o = scores.softmax(-1).matMul(vh);                                      // (B, H, Lq, D)
        } else {
            long chunk = Math.max(1, lq * ATTENTION_CHUNK_BYTES / scoreBytes);
            NDList parts = new NDList();
            for (long s = 0; s < lq; s += chunk) {
                long e = Math.min(lq, s + chunk);
                NDArray part;
                try (NDManager sub = qh.getManager().newSubManager()) {
                    NDArray qc = qh.get(":, :, " + s + ":" + e + ", :");
                    qc.attach(sub);
                    NDArray scores = qc.matMul(kt);
                    if (mask != null) {
                        NDArray mc = mask.get(s + ":" + e + ", :");
                        mc.attach(sub);
                        scores = scores.add(mc);
                    }
                    part = scores.softmax(-1).matMul(vh);
                    part.attach(qh.getManager());
                }
                parts.add(part);
            }
            o = ai.djl.ndarray.NDArrays.concat(parts, 2);
        }
        return o.transpose(0, 2, 1, 3).reshape(b, lq, c);
    }

    /** PyTorch 'nearest' interpolation (source index floor(dst · in / out)) of (N, C, H, W) to (h, w). */
    public static NDArray nearest(NDArray x, long h, long w) {
        return x.getNDArrayInternal().interpolation(new long[] {h, w}, 0, false);
    }

    /**
     * Runs {@code body} so that every intermediate it creates is freed when it returns: the inputs are moved to a
     * fresh sub-manager for the call, and only the result is kept (attached to the first input's manager). DJL frees
     * memory per manager, so without this a whole UNet forward pass stays resident until its caller's scope closes.
     */
    public static NDArray scoped(NDList inputs, Function<NDList, NDArray> body) {
        NDManager parent = inputs.get(0).getManager();
        try (NDManager sub = parent.newSubManager()) {
            for (NDArray a : inputs) if (a != null) a.tempAttach(sub);
            NDArray out = body.apply(inputs);
            out.attach(parent);
            return out;
        }
    }
}
