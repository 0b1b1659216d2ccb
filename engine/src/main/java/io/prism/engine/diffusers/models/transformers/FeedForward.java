package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import static io.prism.engine.diffusers.nn.Functional.geluTanh;

/**
 * diffusers' FeedForward with activation_fn "gelu-approximate" (attention.py), the MMDiT's MLP: {@code net.0.proj}
 * D → 4D, GELU with the tanh approximation (the exact GELU differs by up to 5e-4 per activation), {@code net.2} 4D → D.
 */
public final class FeedForward {
    private final Linear proj;
    private final Linear out;

    public FeedForward(StateDict sd, String prefix, int dim, int dimOut) {
        proj = new Linear(sd, prefix + ".net.0.proj", dim, 4 * dim, true);
        out = new Linear(sd, prefix + ".net.2", 4 * dim, dimOut, true);
    }

    /** (…, dim) → (…, dimOut). */
    public NDArray forward(NDArray x) {
        return out.forward(geluTanh(proj.forward(x)));
    }
}
