package io.prism.engine.diffusers.models;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;
import io.prism.engine.diffusers.nn.GroupNorm;
import io.prism.engine.diffusers.nn.Linear;

import io.prism.engine.diffusers.nn.Functional;

import static io.prism.engine.diffusers.nn.Functional.consume;
import static io.prism.engine.diffusers.nn.Functional.silu;

/**
 * diffusers' ResnetBlock2D (resnet.py), "default" time-embedding norm: GN → SiLU → conv3×3 → + Linear(SiLU(temb)) →
 * GN → SiLU → conv3×3, plus the input (through a 1×1 {@code conv_shortcut} when the channel count changes), divided by
 * {@code output_scale_factor}. The VAE uses it without a time embedding ({@code temb_channels} null).
 */
public final class ResnetBlock2D {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final float outputScaleFactor;
    private final int out;

    /** @param tembChannels 0 for no time embedding (VAE) */
    public ResnetBlock2D(StateDict sd, String prefix, int in, int out, int tembChannels, int groups, float eps, float outputScaleFactor) {
        this.out = out;
        norm1 = new GroupNorm(sd, prefix + ".norm1", groups, in, eps);
        conv1 = new Conv2d(sd, prefix + ".conv1", in, out, 3, 1, 1);
        timeEmbProj = tembChannels > 0 ? new Linear(sd, prefix + ".time_emb_proj", tembChannels, out, true) : null;
        norm2 = new GroupNorm(sd, prefix + ".norm2", groups, out, eps);
        conv2 = new Conv2d(sd, prefix + ".conv2", out, out, 3, 1, 1);
        convShortcut = in != out ? new Conv2d(sd, prefix + ".conv_shortcut", in, out, 1, 1, 0) : null;
        this.outputScaleFactor = outputScaleFactor;
    }

    /**
     * x (N, in, H, W), temb (N, tembChannels) or null → (N, out, H, W). Each full-size intermediate is released as soon
     * as the next op has read it: at 1024² one 128-channel VAE activation is 0.5 GB, and keeping a block's ten until
     * its scope closes decided whether SD3's decode fitted in memory. Releasing a handle is safe under autograd, which
     * keeps its own references to what backward needs.
     */
    public NDArray forward(NDArray x, NDArray temb) {
        NDArray h = consume(consume(norm1.forward(x), Functional::silu), conv1::forward);
        if (timeEmbProj != null) {
            NDArray t = timeEmbProj.forward(silu(temb));                              // (N, out)
            h = consume(h, a -> a.add(t.reshape(t.getShape().get(0), out, 1, 1)));
        }
        h = consume(consume(consume(h, norm2::forward), Functional::silu), conv2::forward);
        NDArray shortcut = convShortcut == null ? x : convShortcut.forward(x);
        NDArray y = consume(h, shortcut::add);
        if (shortcut != x) shortcut.close();
        return outputScaleFactor == 1f ? y : consume(y, a -> a.div(io.prism.engine.model.Tensors.scalar(a, outputScaleFactor)));
    }
}
