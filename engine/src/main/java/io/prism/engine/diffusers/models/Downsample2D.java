package io.prism.engine.diffusers.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;

/**
 * diffusers' Downsample2D with a convolution (downsampling.py): conv3×3 stride 2. With {@code padding} 0 (the VAE
 * encoder) the input is first zero-padded by one row at the bottom and one column at the right — asymmetric, as the
 * original LDM code — otherwise the conv pads symmetrically (the UNet's {@code downsample_padding} 1).
 */
public final class Downsample2D {
    private final Conv2d conv;
    private final int padding;

    public Downsample2D(StateDict sd, String prefix, int channels, int padding) {
        this.padding = padding;
        this.conv = new Conv2d(sd, prefix + ".conv", channels, channels, 3, 2, padding);
    }

    /** (N, C, H, W) → (N, C, ⌈H/2⌉, ⌈W/2⌉) (padding 1) or (N, C, ⌊H/2⌋, ⌊W/2⌋) (padding 0, even sizes). */
    public NDArray forward(NDArray x) {
        NDArray in = padding == 0 ? x.pad(new Shape(0, 1, 0, 1), 0) : x;   // F.pad order: W right +1, then H bottom +1
        return conv.forward(in);
    }
}
