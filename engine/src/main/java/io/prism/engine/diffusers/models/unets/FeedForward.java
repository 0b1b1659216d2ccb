package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.Linear;

/**
 * diffusers' FeedForward with the GEGLU activation (attention.py FeedForward, activations.py GEGLU), as SD's
 * transformer blocks use it: {@code net.0.proj} Linear dim → 2·inner, split in half along the features — the
 * <em>first</em> half is the value, the second the gate — value · gelu(gate) with exact (erf) GELU, then
 * {@code net.2} Linear inner → dimOut ({@code net.1} is dropout).
 */
public final class FeedForward {
    private final Linear proj;      // net.0.proj
    private final Linear out;       // net.2
    private final int dim;
    private final int inner;
    private final int dimOut;

    /** @param mult inner width = mult · dim (diffusers' default 4) */
    public FeedForward(StateDict sd, String prefix, int dim, int dimOut, int mult) {
        this.dim = dim;
        this.inner = dim * mult;
        this.dimOut = dimOut;
        proj = new Linear(sd, prefix + ".net.0.proj", dim, 2 * inner, true);
        out = new Linear(sd, prefix + ".net.2", inner, dimOut, true);
    }

    /** (…, dim) → (…, dimOut). */
    public NDArray forward(NDArray x) {
        NDArray h = proj.forward(x);                                          // (…, 2·inner)
        NDList valueGate = h.split(2, h.getShape().dimension() - 1);          // split(n, -1) would throw in DJL
        NDArray geglu = valueGate.get(0).mul(Functional.gelu(valueGate.get(1)));   // (…, inner)
        return out.forward(geglu);
    }

    double flops(long tokens) {
        return Flops.linear(dim, 2L * inner, tokens) + Flops.linear(inner, dimOut, tokens);
    }
}
