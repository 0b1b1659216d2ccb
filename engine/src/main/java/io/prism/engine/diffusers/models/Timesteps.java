package io.prism.engine.diffusers.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' Timesteps (embeddings.py get_timestep_embedding): sinusoidal features of the timestep, computed in float32
 * as diffusers does — exponent = −ln(10000)·i / (half − shift), e = t·exp(exponent), [sin e, cos e], flipped to
 * [cos, sin] when {@code flip_sin_to_cos}. No weights.
 */
public final class Timesteps {
    private final int channels;
    private final boolean flipSinToCos;
    private final float downscaleFreqShift;

    public Timesteps(int channels, boolean flipSinToCos, float downscaleFreqShift) {
        this.channels = channels;
        this.flipSinToCos = flipSinToCos;
        this.downscaleFreqShift = downscaleFreqShift;
    }

    /** t (N) on {@code m} → (N, channels) float32. */
    public NDArray forward(NDManager m, float[] t) {
        int half = channels / 2;
        NDArray exponent = m.arange(0, half, 1, DataType.FLOAT32).mul((float) -Math.log(10000)).div(half - downscaleFreqShift);
        NDArray e = m.create(t, new Shape(t.length, 1)).mul(exponent.exp().reshape(1, half));   // (N, half)
        NDArray emb = flipSinToCos ? e.cos().concat(e.sin(), 1) : e.sin().concat(e.cos(), 1);
        if (channels % 2 == 1) emb = emb.concat(m.zeros(new Shape(t.length, 1)), 1);
        return emb;
    }
}
