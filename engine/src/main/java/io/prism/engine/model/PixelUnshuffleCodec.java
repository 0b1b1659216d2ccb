package io.prism.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The cheap, lossless latent codec of Prism's compact models: space-to-depth by a factor f
 * (pixel-unshuffle; (N, C, H, W) → (N, C·f², H/f, W/f), channel index c·f² + dy·f + dx) followed by a
 * fixed affine normalisation z = (x − shift) · scale, so the latent has roughly unit variance.
 */
public final class PixelUnshuffleCodec implements LatentCodec {
    private final int factor;
    private final float scale;
    private final float shift;

    public PixelUnshuffleCodec(int factor, float scale, float shift) {
        if (factor < 1) throw new IllegalArgumentException("factor must be >= 1, got " + factor);
        if (!(scale > 0)) throw new IllegalArgumentException("scale must be > 0, got " + scale);
        this.factor = factor;
        this.scale = scale;
        this.shift = shift;
    }

    @Override
    public NDArray encode(NDArray x) {
        return unshuffle(x).sub(shift).mul(scale);
    }

    /** Space-to-depth alone, without the affine normalisation (also used to carry per-pixel loss masks). */
    public NDArray unshuffle(NDArray x) {
        Shape s = x.getShape();
        long n = s.get(0), c = s.get(1), h = s.get(2), w = s.get(3);
        if (h % factor != 0 || w % factor != 0) {
            throw new IllegalArgumentException("image " + h + "x" + w + " is not a multiple of the codec factor " + factor);
        }
        int f = factor;
        NDArray z = x.reshape(n, c, h / f, f, w / f, f)
                .transpose(0, 1, 3, 5, 2, 4)                                   // (N, C, f, f, H/f, W/f)
                .reshape(n, c * f * f, h / f, w / f);
        return z;
    }

    @Override
    public NDArray decode(NDArray z, int imageChannels) {
        Shape s = z.getShape();
        long n = s.get(0), cl = s.get(1), h = s.get(2), w = s.get(3);
        int f = factor;
        if (cl != (long) imageChannels * f * f) {
            throw new IllegalArgumentException("latent has " + cl + " channels, expected " + imageChannels * f * f);
        }
        return z.div(scale).add(shift)
                .reshape(n, imageChannels, f, f, h, w)
                .transpose(0, 1, 4, 2, 5, 3)                                   // (N, C, h, f, w, f)
                .reshape(n, imageChannels, h * f, w * f);
    }

    @Override
    public int downsampleFactor() {
        return factor;
    }

    @Override
    public int latentChannels(int imageChannels) {
        return imageChannels * factor * factor;
    }
}
