package io.prism.engine.diffusers.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;
import io.prism.engine.diffusers.nn.Functional;

/**
 * diffusers' Upsample2D with a convolution (upsampling.py): nearest-neighbour ×2 — or to an explicit size, which the
 * UNet passes when the latent is not a multiple of its total up factor — then conv3×3.
 */
public final class Upsample2D {
    private final Conv2d conv;

    public Upsample2D(StateDict sd, String prefix, int channels) {
        this.conv = new Conv2d(sd, prefix + ".conv", channels, channels, 3, 1, 1);
    }

    /** (N, C, H, W) → (N, C, size) or (N, C, 2H, 2W) when {@code size} is null. */
    public NDArray forward(NDArray x, long[] size) {
        Shape s = x.getShape();
        long h = size == null ? 2 * s.get(2) : size[0], w = size == null ? 2 * s.get(3) : size[1];
        return conv.forward(Functional.nearest(x, h, w));
    }
}
