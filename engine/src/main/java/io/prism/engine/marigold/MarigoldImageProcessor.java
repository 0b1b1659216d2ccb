package io.prism.engine.marigold;

import io.prism.vision.color.Resize;
import io.prism.vision.image.FloatImage;

/**
 * The image side of diffusers' MarigoldImageProcessor: the processing size, replicate padding to the latent factor and
 * its removal, and the two resizes the pipeline uses — bilinear with antialiasing into the processing resolution,
 * bilinear without it back to the input size (both align_corners=False, as PyTorch's F.interpolate). Images are float
 * planes (N = 1); the filters themselves are vision's {@code Resize}, the project's one resize.
 */
public final class MarigoldImageProcessor {
    private MarigoldImageProcessor() {}

    /** diffusers' resize_to_max_edge size: {h·res // max(h, w), w·res // max(h, w)} (integer floor), as {width, height}. */
    public static int[] processingSize(int width, int height, int resolution) {
        return resolution <= 0 ? new int[] {width, height} : Resize.maxEdgeSize(width, height, resolution);
    }

    /** Bottom/right padding {ph, pw} to a multiple of {@code factor}: −h mod f, −w mod f. */
    public static int[] padding(int width, int height, int factor) {
        return new int[] {Math.floorMod(-height, factor), Math.floorMod(-width, factor)};
    }

    /** Pads bottom and right by repeating the last row / column (diffusers pad_image, mode "replicate"). */
    public static FloatImage padReplicate(FloatImage img, int ph, int pw) {
        return ph == 0 && pw == 0 ? img : Resize.padEdge(img, img.width() + pw, img.height() + ph);
    }

    /** Crops the bottom {@code ph} rows and right {@code pw} columns (diffusers unpad_image). */
    public static FloatImage unpad(FloatImage img, int ph, int pw) {
        int w = img.width() - pw, h = img.height() - ph;
        if (ph == 0 && pw == 0) return img;
        float[][] out = new float[img.channelCount()][w * h];
        for (int c = 0; c < out.length; c++) {
            for (int y = 0; y < h; y++) System.arraycopy(img.planes()[c], y * img.width(), out[c], y * w, w);
        }
        return new FloatImage(w, h, img.channels(), out);
    }

    /** F.interpolate(mode="bilinear", antialias=True, align_corners=False): into the processing resolution. */
    public static FloatImage resizeAntialias(FloatImage img, int width, int height) {
        if (img.width() == width && img.height() == height) return img;
        return Resize.resize(img, width, height, Resize.Filter.BILINEAR);
    }

    /** F.interpolate(mode="bilinear", antialias=False, align_corners=False): back to the input size. */
    public static FloatImage resizeBilinear(FloatImage img, int width, int height) {
        if (img.width() == width && img.height() == height) return img;
        return Resize.resize(img, width, height, Resize.Filter.BILINEAR_NO_ANTIALIAS);
    }
}
