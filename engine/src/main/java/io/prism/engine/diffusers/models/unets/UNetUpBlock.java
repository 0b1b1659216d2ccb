package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** An up block of the UNet: consumes {@link #numResnets()} skips (last first) and optionally upsamples. */
interface UNetUpBlock {
    int numResnets();

    /**
     * h (N, prev, H, W), skips ordered as taken from the end of the down path's list (the last is used first),
     * upsampleSize the explicit (H', W') of the upsampler or null for ×2 → (N, out, H', W') (no upsampler: H, W).
     */
    NDArray forward(NDArray h, List<NDArray> resHiddenStates, NDArray temb, NDArray context, long[] upsampleSize);

    /** FLOPs (see {@link Flops}) for an input of h×w whose upsampler (if any) produces outH×outW, at batch 1. */
    double flops(long h, long w, long outH, long outW, long textTokens);
}
