package io.prism.engine.image;

import io.prism.vision.color.Resize;
import io.prism.vision.image.FloatImage;


/**
 * The pixel operations the engine's pipeline and trainer need: resampling and edge-replicating padding
 * (both delegated to vision's {@link Resize}), crops, flips.
 */
public final class ImageOps {
    private ImageOps() {}

    /** Size whose longest side is {@code longest} (aspect kept, each side ≥ 1); 0 keeps the size. */
    public static int[] fitLongestSide(int width, int height, int longest) {
        if (longest <= 0) return new int[] {width, height};
        double s = (double) longest / Math.max(width, height);
        return new int[] {Math.max(1, (int) Math.round(width * s)), Math.max(1, (int) Math.round(height * s))};
    }

    /** Resizes with vision's {@link Resize} (the project's one resampler): torch's bilinear / bicubic antialias and nearest. */
    public static FloatImage resize(FloatImage img, int width, int height, Resample method) {
        return Resize.resize(img, width, height, switch (method) {
            case NEAREST -> Resize.Filter.NEAREST;
            case BILINEAR -> Resize.Filter.BILINEAR;
            case BICUBIC -> Resize.Filter.BICUBIC;
        });
    }

    /** Pads right and bottom by replicating the last column / row ({@link Resize#padEdge}). */
    public static FloatImage padTo(FloatImage img, int width, int height) {
        if (width == img.width() && height == img.height()) return img;
        return Resize.padEdge(img, width, height);
    }

    public static FloatImage crop(FloatImage img, int x0, int y0, int width, int height) {
        if (x0 < 0 || y0 < 0 || x0 + width > img.width() || y0 + height > img.height()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + "+" + x0 + "+" + y0 + " outside " + img);
        }
        float[][] out = new float[img.channelCount()][width * height];
        for (int c = 0; c < img.channelCount(); c++) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(img.planes()[c], (y0 + y) * img.width() + x0, out[c], y * width, width);
            }
        }
        return new FloatImage(width, height, img.channels(), out);
    }

    public static FloatImage flipHorizontal(FloatImage img) {
        int w = img.width(), h = img.height();
        float[][] out = new float[img.channelCount()][w * h];
        for (int c = 0; c < img.channelCount(); c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) out[c][y * w + x] = img.planes()[c][y * w + (w - 1 - x)];
            }
        }
        return new FloatImage(w, h, img.channels(), out);
    }

    public static FloatImage flipVertical(FloatImage img) {
        int w = img.width(), h = img.height();
        float[][] out = new float[img.channelCount()][w * h];
        for (int c = 0; c < img.channelCount(); c++) {
            for (int y = 0; y < h; y++) System.arraycopy(img.planes()[c], (h - 1 - y) * w, out[c], y * w, w);
        }
        return new FloatImage(w, h, img.channels(), out);
    }
}
