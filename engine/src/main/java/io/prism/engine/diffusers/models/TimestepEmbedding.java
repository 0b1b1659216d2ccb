package io.prism.engine.diffusers.models;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import static io.prism.engine.diffusers.nn.Functional.silu;

/** diffusers' TimestepEmbedding (embeddings.py): {@code linear_1} → SiLU → {@code linear_2}. */
public final class TimestepEmbedding {
    private final Linear linear1;
    private final Linear linear2;

    public TimestepEmbedding(StateDict sd, String prefix, int in, int timeEmbedDim) {
        linear1 = new Linear(sd, prefix + ".linear_1", in, timeEmbedDim, true);
        linear2 = new Linear(sd, prefix + ".linear_2", timeEmbedDim, timeEmbedDim, true);
    }

    /** (N, in) → (N, timeEmbedDim). */
    public NDArray forward(NDArray x) {
        return linear2.forward(silu(linear1.forward(x)));
    }
}
