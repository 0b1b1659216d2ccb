package io.prism.results;

import io.prism.vision.testing.TestExrs;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.results.bench.SyntheticResults;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import io.prism.vision.image.RasterOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Real images for the tests, stored in a real blob store: a few variants of a lit sphere on a floor as linear EXR
 * beauty, and what a worker would write for it (albedo EXR + PNG preview, mask EXR + PNG preview, uncertainty EXR).
 */
final class TestImages {
    static final int W = 160;
    static final int H = 90;

    /** Everything stored, in the order of the variants. */
    record Stored(SyntheticResults.Blobs blobs, List<BlobRef> beauty, List<BlobRef> albedo, List<BlobRef> albedoPreview,
                  List<BlobRef> mask, List<BlobRef> maskPreview, List<BlobRef> uncertainty) {}

    private TestImages() {}

    static Stored store(BlobStore store, int variants) throws IOException {
        List<BlobRef> beauty = new ArrayList<>(), albedo = new ArrayList<>(), albedoPng = new ArrayList<>(),
                mask = new ArrayList<>(), maskPng = new ArrayList<>(), unc = new ArrayList<>();
        for (int v = 0; v < variants; v++) {
            float[] base = hue(v, variants);
            FloatImage a = FloatImage.blank(W, H, List.of("R", "G", "B"));
            FloatImage m = FloatImage.blank(W, H, List.of("Y"));
            FloatImage u = FloatImage.blank(W, H, List.of("R", "G", "B")); // per-channel spread, as the worker writes it
            FloatImage b = FloatImage.blank(W, H, List.of("R", "G", "B", "A"));
            float cx = W * (0.3f + 0.4f * v / Math.max(1, variants - 1)), cy = H * 0.45f, r = H * 0.32f;
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    float dx = (x - cx) / r, dy = (y - cy) / r;
                    float d2 = dx * dx + dy * dy;
                    boolean sphere = d2 <= 1f;
                    float[] alb = sphere ? base : new float[] {0.45f, 0.42f, 0.38f};
                    float light = sphere ? (float) Math.max(0.05, 0.2 + 0.8 * (Math.sqrt(1 - d2) * 0.7 - dx * 0.3 - dy * 0.3))
                            : 0.25f + 0.5f * y / H;
                    for (int c = 0; c < 3; c++) {
                        a.set(c, x, y, alb[c]);
                        b.set(c, x, y, alb[c] * light * 1.6f);
                    }
                    b.set(3, x, y, 1f);
                    m.set(0, x, y, sphere ? 1f : 0f);
                    float edge = (float) Math.exp(-Math.abs(Math.sqrt(d2) - 1) * 8);
                    for (int c = 0; c < 3; c++) {
                        u.set(c, x, y, 0.01f + (0.15f + 0.05f * c) * edge);
                    }
                }
            }
            beauty.add(store.put(TestExrs.encode(b), "image/x-exr"));
            albedo.add(store.put(TestExrs.encode(a), "image/x-exr"));
            albedoPng.add(store.put(ImageFiles.encode(a, ImageFormat.PNG, RasterOptions.DEFAULT), "image/png"));
            mask.add(store.put(TestExrs.encode(m), "image/x-exr"));
            maskPng.add(store.put(ImageFiles.encode(m, ImageFormat.PNG, RasterOptions.DEFAULT), "image/png"));
            unc.add(store.put(TestExrs.encode(u), "image/x-exr"));
        }
        var blobs = new SyntheticResults.Blobs(shas(beauty), sizes(beauty), "image/x-exr", shas(albedo), sizes(albedo),
                shas(albedoPng), sizes(albedoPng), shas(mask), sizes(mask), shas(maskPng), sizes(maskPng), shas(unc), sizes(unc), W, H);
        return new Stored(blobs, beauty, albedo, albedoPng, mask, maskPng, unc);
    }

    /** Saturated albedo colours around the hue circle. */
    private static float[] hue(int i, int n) {
        double h = 6.0 * i / n;
        double f = h - Math.floor(h);
        float q = (float) (1 - f), t = (float) f;
        float[][] sectors = {{1, t, 0}, {q, 1, 0}, {0, 1, t}, {0, q, 1}, {t, 0, 1}, {1, 0, q}};
        float[] c = sectors[(int) Math.floor(h) % 6];
        return new float[] {0.1f + 0.7f * c[0], 0.1f + 0.7f * c[1], 0.1f + 0.7f * c[2]};
    }

    private static List<String> shas(List<BlobRef> refs) {
        return refs.stream().map(BlobRef::sha256).toList();
    }

    private static List<Long> sizes(List<BlobRef> refs) {
        return refs.stream().map(BlobRef::size).toList();
    }
}
