package io.prism.engine;

import io.prism.engine.train.TrainingPair;
import io.prism.vision.image.FloatImage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny synthetic pairs for fast tests: albedo = coloured rectangles, beauty = albedo × smooth shading. */
public final class Synthetic {
    private Synthetic() {}

    public static TrainingPair albedoPair(long seed, int w, int h) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] alb = new float[3][w * h];
        float[] bg = {(float) r.nextDouble(0.2, 0.8), (float) r.nextDouble(0.2, 0.8), (float) r.nextDouble(0.2, 0.8)};
        for (int c = 0; c < 3; c++) java.util.Arrays.fill(alb[c], bg[c]);
        float[] mask = new float[w * h];
        for (int k = 0; k < 3; k++) {
            int x0 = r.nextInt(w / 2), y0 = r.nextInt(h / 2), x1 = x0 + 2 + r.nextInt(w / 2), y1 = y0 + 2 + r.nextInt(h / 2);
            float[] col = {(float) r.nextDouble(0.05, 0.95), (float) r.nextDouble(0.05, 0.95), (float) r.nextDouble(0.05, 0.95)};
            for (int y = y0; y < Math.min(h, y1); y++) {
                for (int x = x0; x < Math.min(w, x1); x++) {
                    for (int c = 0; c < 3; c++) alb[c][y * w + x] = col[c];
                    if (k == 0) mask[y * w + x] = 1;
                }
            }
        }
        double gx = r.nextDouble(-1, 1), gy = r.nextDouble(-1, 1), base = r.nextDouble(0.5, 1.2);
        float[][] beauty = new float[3][w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double shade = Math.max(0.1, base + 0.5 * (gx * x / w + gy * y / h));
                for (int c = 0; c < 3; c++) {
                    double lin = io.prism.vision.color.Srgb.decode(alb[c][y * w + x]);
                    beauty[c][y * w + x] = (float) (lin * shade);
                    alb[c][y * w + x] = (float) lin;
                }
            }
        }
        return new TrainingPair("synthetic-" + seed, new FloatImage(w, h, List.of("R", "G", "B"), beauty),
                new FloatImage(w, h, List.of("R", "G", "B"), alb));
    }

    public static TrainingPair maskPair(long seed, int w, int h) {
        TrainingPair a = albedoPair(seed, w, h);
        // the first rectangle is "glass": recover it as the pixels equal to its colour is awkward, so redraw
        SplittableRandom r = new SplittableRandom(seed);
        r.nextDouble(); r.nextDouble(); r.nextDouble();
        int x0 = r.nextInt(w / 2), y0 = r.nextInt(h / 2), x1 = x0 + 2 + r.nextInt(w / 2), y1 = y0 + 2 + r.nextInt(h / 2);
        float[] m = new float[w * h];
        for (int y = y0; y < Math.min(h, y1); y++) for (int x = x0; x < Math.min(w, x1); x++) m[y * w + x] = 1;
        return new TrainingPair("mask-" + seed, a.beauty(), new FloatImage(w, h, List.of("Y"), new float[][] {m}));
    }

    public static List<TrainingPair> albedoPairs(long firstSeed, int n, int w, int h) {
        List<TrainingPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(albedoPair(firstSeed + i, w, h));
        return out;
    }
}
