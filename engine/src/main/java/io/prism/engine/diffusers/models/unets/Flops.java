package io.prism.engine.diffusers.models.unets;

/**
 * Analytic floating-point operation counts (2 × multiply-adds) of the UNet's matrix work, for FLOP-rate benchmarks.
 * Counted: convolutions (every kernel tap at every output position, padding included), linear layers, and the two
 * attention matmuls (q·kᵀ and softmax·v). Not counted: norms, activations, softmax, bias and residual additions,
 * interpolation — together well under 1 % of an SD2 forward pass.
 */
final class Flops {
    private Flops() {}

    /** A k×k convolution from {@code in} to {@code out} channels producing an h×w map. */
    static double conv(long in, long out, int k, long h, long w) {
        return 2.0 * in * out * k * k * h * w;
    }

    /** A linear layer applied to {@code tokens} vectors. */
    static double linear(long in, long out, long tokens) {
        return 2.0 * in * out * tokens;
    }

    /** Scores q·kᵀ plus the weighted sum of values, over all heads together ({@code inner} = heads × head width). */
    static double attention(long queries, long keys, long inner) {
        return 2 * 2.0 * queries * keys * inner;
    }

    /** Output size of Downsample2D's 3×3 stride-2 conv (padding 0: diffusers pads one row/column at the end first). */
    static long downsampled(long size, int padding) {
        return padding == 0 ? (size - 2) / 2 + 1 : (size + 2L * padding - 3) / 2 + 1;
    }

    /** diffusers' ResnetBlock2D with a time embedding: two 3×3 convs, the time projection, a 1×1 shortcut if needed. */
    static double resnet(long in, long out, long tembChannels, long h, long w) {
        return conv(in, out, 3, h, w) + conv(out, out, 3, h, w) + linear(tembChannels, out, 1)
                + (in != out ? conv(in, out, 1, h, w) : 0);
    }
}
