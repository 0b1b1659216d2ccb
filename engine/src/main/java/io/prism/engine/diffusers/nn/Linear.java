package io.prism.engine.diffusers.nn;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;

/** torch.nn.Linear: {@code <prefix>.weight} (out, in) and, if present in the architecture, {@code <prefix>.bias}. */
public final class Linear {
    private final NDArray weight;
    private final NDArray bias;

    public Linear(StateDict sd, String prefix, int in, int out, boolean bias) {
        this.weight = sd.get(prefix + ".weight", out, in);
        this.bias = bias ? sd.get(prefix + ".bias", out) : null;
    }

    /** (…, in) → (…, out). */
    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }
}
