package io.prism.vision.testing;

import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.image.FloatImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Small real EXR frames for tests in every module that reads or writes them (vision's test-jar), written with vision's
 * own {@link ExrWriter} at its default settings, so a test's frame is what a renderer's file looks like to Prism.
 */
public final class TestExrs {
    private TestExrs() {}

    /** Seeded uniform [0, 1) planes under the given channel names. */
    public static FloatImage image(int w, int h, long seed, String... channels) {
        Random r = new Random(seed);
        float[][] planes = new float[channels.length][w * h];
        for (float[] p : planes) for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
        return new FloatImage(w, h, List.of(channels), planes);
    }

    /** A 48×32 R, G, B beauty of seeded values. */
    public static FloatImage beauty(long seed) {
        return image(48, 32, seed, "R", "G", "B");
    }

    /** A 48×32 beauty with the AOV layers the simulator writes: albedo.R/G/B and mask.Y. */
    public static FloatImage multiLayer(long seed) {
        return image(48, 32, seed, "R", "G", "B", "A", "albedo.R", "albedo.G", "albedo.B", "mask.Y");
    }

    /**
     * A linear-light beauty as a renderer writes it: smooth gradients with values above 1 in a highlight (which the
     * models' input encoding must compress, not clip), as HALF R, G, B EXR bytes.
     */
    public static byte[] linearBeauty(int w, int h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] p = new float[3][w * h];
        float base = (float) rng.nextDouble(0.05, 0.6);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                p[0][i] = base * (x + 1) / w;
                p[1][i] = base * (y + 1) / h;
                p[2][i] = (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < w ? 3f : base;  // a highlight
            }
        }
        return encode(new FloatImage(w, h, List.of("R", "G", "B"), p));
    }

    /** The image as EXR bytes (ExrWriter's defaults). */
    public static byte[] encode(FloatImage img) {
        return ExrWriter.encode(img, ExrWriteOptions.defaults());
    }

    /** Writes the image to {@code file} (ExrWriter's defaults); returns the file. */
    public static Path write(Path file, FloatImage img) throws IOException {
        ExrWriter.write(file, img, ExrWriteOptions.defaults());
        return file;
    }

    /** The image's channel names, in order. */
    public static List<String> names(FloatImage img) {
        return new ArrayList<>(img.channels());
    }
}
