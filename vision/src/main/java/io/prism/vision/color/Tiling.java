package io.prism.vision.color;

import io.prism.vision.image.FloatImage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Processing a frame larger than a model's resolution in overlapping tiles, and blending the results back without
 * seams: each tile's contribution is weighted by a linear ramp over the overlap (feathering) on every side that
 * borders another tile (sides on the frame's edge get full weight), the weights multiply across x and y and the
 * blended value is the weighted mean. Where tiles agree, blending reproduces them exactly.
 */
public final class Tiling {
    /** A tile's place in the frame. */
    public record Tile(int x, int y, int width, int height) {
    }

    private Tiling() {
    }

    /**
     * Tiles of {@code tileSize}² (smaller only where the frame is) covering the frame, neighbours overlapping by at
     * least {@code overlap} pixels, spread evenly with the first and last tile on the frame's edges.
     */
    public static List<Tile> plan(int width, int height, int tileSize, int overlap) {
        if (tileSize <= 0 || overlap < 0 || overlap >= tileSize) {
            throw new IllegalArgumentException("need 0 <= overlap < tileSize, got tile " + tileSize + " overlap " + overlap);
        }
        int[] xs = positions(width, tileSize, overlap);
        int[] ys = positions(height, tileSize, overlap);
        List<Tile> tiles = new ArrayList<>();
        for (int y : ys) {
            for (int x : xs) tiles.add(new Tile(x, y, Math.min(tileSize, width), Math.min(tileSize, height)));
        }
        return tiles;
    }

    static int[] positions(int n, int t, int o) {
        if (n <= t) return new int[] {0};
        int count = (int) Math.ceil((double) (n - o) / (t - o));
        int[] p = new int[count];
        for (int k = 0; k < count; k++) p[k] = (int) ((long) k * (n - t) / (count - 1));
        return p;
    }

    /** The pixels of one tile (a copy). */
    public static FloatImage crop(FloatImage img, Tile t) {
        float[][] planes = new float[img.channelCount()][t.width() * t.height()];
        for (int c = 0; c < planes.length; c++) {
            for (int y = 0; y < t.height(); y++) {
                System.arraycopy(img.planes()[c], (t.y() + y) * img.width() + t.x(), planes[c], y * t.width(), t.width());
            }
        }
        return new FloatImage(t.width(), t.height(), img.channels(), planes);
    }

    /**
     * Blends processed tiles (each the size of its tile, all with the same channels) into a frame of the given size;
     * {@code feather} is the ramp width, normally the planned overlap.
     */
    public static FloatImage blend(int width, int height, List<Tile> tiles, List<FloatImage> results, int feather) {
        if (tiles.size() != results.size() || tiles.isEmpty()) {
            throw new IllegalArgumentException(tiles.size() + " tiles but " + results.size() + " results");
        }
        List<String> channels = results.get(0).channels();
        double[][] acc = new double[channels.size()][width * height];
        double[] wsum = new double[width * height];
        for (int k = 0; k < tiles.size(); k++) {
            Tile t = tiles.get(k);
            FloatImage r = results.get(k);
            if (r.width() != t.width() || r.height() != t.height() || !r.channels().equals(channels)) {
                throw new IllegalArgumentException("result " + k + " is " + r + ", expected " + t.width() + "x"
                        + t.height() + " " + channels);
            }
            float[] wx = ramp(t.x(), t.width(), width, feather);
            float[] wy = ramp(t.y(), t.height(), height, feather);
            for (int y = 0; y < t.height(); y++) {
                for (int x = 0; x < t.width(); x++) {
                    double w = (double) wx[x] * wy[y];
                    int o = (t.y() + y) * width + t.x() + x;
                    int i = y * t.width() + x;
                    wsum[o] += w;
                    for (int c = 0; c < acc.length; c++) acc[c][o] += w * r.planes()[c][i];
                }
            }
        }
        float[][] out = new float[channels.size()][width * height];
        for (int o = 0; o < wsum.length; o++) {
            if (wsum[o] == 0) throw new IllegalArgumentException("pixel " + (o % width) + "," + (o / width) + " is in no tile");
            for (int c = 0; c < out.length; c++) out[c][o] = (float) (acc[c][o] / wsum[o]);
        }
        return new FloatImage(width, height, channels, out);
    }

    /** Weight along one axis: ramps up from inner edges over {@code feather} pixels, 1 at frame edges. */
    static float[] ramp(int pos, int size, int n, int feather) {
        float[] w = new float[size];
        for (int i = 0; i < size; i++) {
            float left = pos == 0 || feather == 0 ? 1f : Math.min(1f, (i + 0.5f) / feather);
            float right = pos + size >= n || feather == 0 ? 1f : Math.min(1f, (size - i - 0.5f) / feather);
            w[i] = Math.min(left, right);
        }
        return w;
    }

    /** Split, process each tile, blend back. */
    public static FloatImage process(FloatImage img, int tileSize, int overlap, UnaryOperator<FloatImage> fn) {
        List<Tile> tiles = plan(img.width(), img.height(), tileSize, overlap);
        List<FloatImage> results = new ArrayList<>(tiles.size());
        for (Tile t : tiles) results.add(fn.apply(crop(img, t)));
        return blend(img.width(), img.height(), tiles, results, overlap);
    }
}
