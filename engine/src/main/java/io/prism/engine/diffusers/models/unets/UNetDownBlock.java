package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** A down block of the UNet (diffusers returns {@code (hidden_states, output_states)}; here the states are appended). */
interface UNetDownBlock {
    /**
     * h (N, in, H, W) → (N, out, H', W'); appends each resnet/attention output and the downsampler output to
     * {@code skips}, in diffusers' order, for the up path.
     */
    NDArray forward(NDArray h, NDArray temb, NDArray context, List<NDArray> skips);

    /** FLOPs (see {@link Flops}) for an input of h×w at batch 1. */
    double flops(long h, long w, long textTokens);
}
