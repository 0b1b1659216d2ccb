package io.prism.engine.diffusers.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;

/**
 * torch.nn.GroupNorm (affine) over (N, C, …): DJL has none, so each group is normalised by PyTorch's fused layer norm
 * over (C/G · H · W) values and the per-channel scale and shift applied after (9.5e-7 from F.group_norm). The epsilon
 * differs between SD's parts (UNet resnets 1e-5, UNet transformers and the VAE 1e-6) and must be passed exactly.
 */
public final class GroupNorm {
    private final int groups;
    private final float eps;
    private final NDArray weight;   // (C)
    private final NDArray bias;

    public GroupNorm(StateDict sd, String prefix, int groups, int channels, float eps) {
        if (channels % groups != 0) throw new IllegalArgumentException(prefix + ": " + channels + " channels in " + groups + " groups");
        this.groups = groups;
        this.eps = eps;
        this.weight = sd.get(prefix + ".weight", channels);
        this.bias = sd.get(prefix + ".bias", channels);
    }

    /** (N, C, H, W) → same shape. */
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 4) throw new IllegalArgumentException("GroupNorm expects (N, C, H, W), got " + s);
        long n = s.get(0), len = s.size() / n / groups;
        NDArray r = x.reshape(n, groups, len);
        NDArray ones = x.getManager().ones(new Shape(len), x.getDataType());
        NDArray zeros = x.getManager().zeros(new Shape(len), x.getDataType());
        NDArray normed = ai.djl.nn.norm.LayerNorm.layerNorm(r, new Shape(len), ones, zeros, eps).singletonOrThrow();
        NDArray y = normed.reshape(s);
        normed.close();   // y is a view: the storage lives until y is released below
        // (C) → (C, 1, 1) views made per call and kept in the caller's scope: a view made once would outlive autograd's
        // view of the weight when it is trained, and one made per call on the weight's own manager would leak
        NDArray w = weight.reshape(s.get(1), 1, 1), b = bias.reshape(s.get(1), 1, 1);
        w.attach(x.getManager());
        b.attach(x.getManager());
        return Functional.consume(Functional.consume(y, a -> a.mul(w)), a -> a.add(b));
    }
}
