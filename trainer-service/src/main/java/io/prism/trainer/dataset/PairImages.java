package io.prism.trainer.dataset;

import io.prism.platform.contracts.Task;
import io.prism.vision.image.FloatImage;
import java.util.List;

/**
 * Picks the planes a task trains on out of decoded pair images, with the channel names renderers use: beauty
 * {@code R,G,B}; albedo {@code R,G,B} or {@code albedo.R,...}; mask {@code Y}, {@code mask.Y}, {@code A} or a single
 * plane. Refuses images with non-finite pixels: one NaN would poison a training run's gradients.
 */
public final class PairImages {
    private PairImages() {}

    public static FloatImage beauty(FloatImage img) {
        return finite(rgb(img, ""), "beauty");
    }

    public static FloatImage albedo(FloatImage img) {
        if (img.has("R") && img.has("G") && img.has("B")) return finite(rgb(img, ""), "albedo");
        if (img.has("albedo.R")) return finite(rgb(img, "albedo.").rename(List.of("R", "G", "B")), "albedo");
        throw new IllegalArgumentException("albedo needs channels R,G,B or albedo.R,G,B; it has " + img.channels());
    }

    public static FloatImage mask(FloatImage img) {
        for (String c : List.of("Y", "mask.Y", "A")) {
            if (img.has(c)) return finite(img.select(List.of(c)).rename(List.of("Y")), "mask");
        }
        if (img.channelCount() == 1) return finite(img.rename(List.of("Y")), "mask");
        throw new IllegalArgumentException("mask needs a channel Y, mask.Y or A (or a single channel); it has " + img.channels());
    }

    public static FloatImage target(String task, FloatImage img) {
        return switch (task) {
            case Task.ALBEDO -> albedo(img);
            case Task.MASK -> mask(img);
            default -> throw new IllegalArgumentException("unknown task " + task);
        };
    }

    private static FloatImage rgb(FloatImage img, String prefix) {
        List<String> names = List.of(prefix + "R", prefix + "G", prefix + "B");
        for (String n : names) {
            if (!img.has(n)) {
                throw new IllegalArgumentException("image needs channels " + names + "; it has " + img.channels());
            }
        }
        return img.select(names);
    }

    private static FloatImage finite(FloatImage img, String what) {
        long bad = 0;
        for (float[] p : img.planes()) {
            for (float v : p) {
                if (!Float.isFinite(v)) bad++;
            }
        }
        if (bad > 0) {
            throw new IllegalArgumentException(what + " has " + bad + " NaN/Inf values");
        }
        return img;
    }
}
