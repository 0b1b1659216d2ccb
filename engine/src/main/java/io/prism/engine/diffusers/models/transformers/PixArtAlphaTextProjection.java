package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import static io.prism.engine.diffusers.nn.Functional.silu;

/** diffusers' PixArtAlphaTextProjection with act_fn "silu" (SD3's pooled-text embedder): {@code linear_1} → SiLU → {@code linear_2}. */
public final class PixArtAlphaTextProjection {
    private final Linear linear1;
    private final Linear linear2;

    public PixArtAlphaTextProjection(StateDict sd, String prefix, int inFeatures, int hiddenSize) {
        linear1 = new Linear(sd, prefix + ".linear_1", inFeatures, hiddenSize, true);
        linear2 = new Linear(sd, prefix + ".linear_2", hiddenSize, hiddenSize, true);
    }

    /** (N, inFeatures) → (N, hiddenSize). */
    public NDArray forward(NDArray caption) {
        return linear2.forward(silu(linear1.forward(caption)));
    }
}
