package io.prism.ingest;

import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.image.FloatImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small real EXRs for tests, written with vision's ExrWriter. */
final class TestExrs {
    private TestExrs() {}

    static FloatImage image(int w, int h, long seed, String... channels) {
        Random r = new Random(seed);
        float[][] planes = new float[channels.length][w * h];
        for (float[] p : planes) for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
        return new FloatImage(w, h, List.of(channels), planes);
    }

    static FloatImage beauty(long seed) {
        return image(48, 32, seed, "R", "G", "B");
    }

    /** Beauty with the AOV layers the simulator writes: albedo.R/G/B and mask.Y. */
    static FloatImage multiLayer(long seed) {
        return image(48, 32, seed, "R", "G", "B", "A", "albedo.R", "albedo.G", "albedo.B", "mask.Y");
    }

    static byte[] encode(FloatImage img) {
        return ExrWriter.encode(img, ExrWriteOptions.defaults());
    }

    static Path write(Path file, FloatImage img) throws IOException {
        ExrWriter.write(file, img, ExrWriteOptions.defaults());
        return file;
    }

    static List<String> names(FloatImage img) {
        return new ArrayList<>(img.channels());
    }
}
