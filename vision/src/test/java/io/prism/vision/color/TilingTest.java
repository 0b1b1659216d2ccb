package io.prism.vision.color;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Tile planning covers the frame with the requested overlap; feathered blending is exact and seam-free. */
class TilingTest {

    @Test
    void planCoversTheFrameWithAtLeastTheOverlap() {
        for (int[] c : new int[][] {{1000, 700, 256, 32}, {257, 256, 256, 16}, {100, 50, 256, 32}, {513, 1025, 128, 0}}) {
            int w = c[0], h = c[1], t = c[2], o = c[3];
            List<Tiling.Tile> tiles = Tiling.plan(w, h, t, o);
            int[] cover = new int[w * h];
            for (Tiling.Tile tile : tiles) {
                assertThat(tile.x() + tile.width()).isLessThanOrEqualTo(w);
                assertThat(tile.y() + tile.height()).isLessThanOrEqualTo(h);
                assertThat(tile.width()).isEqualTo(Math.min(t, w));
                for (int y = tile.y(); y < tile.y() + tile.height(); y++) {
                    for (int x = tile.x(); x < tile.x() + tile.width(); x++) cover[y * w + x]++;
                }
            }
            long uncovered = java.util.Arrays.stream(cover).filter(v -> v == 0).count();
            assertThat(uncovered).as("pixels in no tile").isZero();
            int[] xs = Tiling.positions(w, t, o);
            for (int k = 1; k < xs.length; k++) assertThat(xs[k - 1] + t - xs[k]).as("overlap").isGreaterThanOrEqualTo(o);
        }
        assertThat(Tiling.plan(100, 50, 256, 32)).containsExactly(new Tiling.Tile(0, 0, 100, 50));
        assertThatThrownBy(() -> Tiling.plan(10, 10, 8, 8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void identityProcessingReproducesTheFrame() {
        FloatImage img = ResizeTest.random(300, 170, 4, 5);
        FloatImage out = Tiling.process(img, 64, 16, t -> t);
        for (int c = 0; c < 4; c++) {
            assertClose(out.planes()[c], img.planes()[c]);
        }
    }

    @Test
    void disagreeingTilesBlendWithoutSeams() {
        // each tile adds its own offset: the blend must ramp between them, never jump
        FloatImage img = FloatImage.blank(200, 120, List.of("R"));
        List<Tiling.Tile> tiles = Tiling.plan(200, 120, 64, 24);
        List<FloatImage> results = new ArrayList<>();
        for (int k = 0; k < tiles.size(); k++) {
            FloatImage r = Tiling.crop(img, tiles.get(k));
            java.util.Arrays.fill(r.planes()[0], k % 2 == 0 ? 0f : 1f);
            results.add(r);
        }
        FloatImage out = Tiling.blend(200, 120, tiles, results, 24);
        float maxStep = 0;
        for (int y = 0; y < 120; y++) {
            for (int x = 1; x < 200; x++) maxStep = Math.max(maxStep, Math.abs(out.get(0, x, y) - out.get(0, x - 1, y)));
        }
        for (int y = 1; y < 120; y++) {
            for (int x = 0; x < 200; x++) maxStep = Math.max(maxStep, Math.abs(out.get(0, x, y) - out.get(0, x, y - 1)));
        }
        assertThat(maxStep).as("largest jump between neighbours").isLessThan(0.1f);
        // a tile's pixels outside any overlap keep its own value
        assertThat(out.get(0, 0, 0)).isEqualTo(0f);
    }

    @Test
    void processedTilesMayCarryOtherChannels() {
        FloatImage img = ResizeTest.random(90, 90, 3, 6);
        FloatImage albedo = Tiling.process(img, 40, 8, t -> t.select(List.of("R")).rename(List.of("albedo.R")));
        assertThat(albedo.channels()).containsExactly("albedo.R");
        assertClose(albedo.planes()[0], img.plane("R"));
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(actual[i] - expected[i]) > 1e-6f) {
                throw new AssertionError("value " + i + ": " + actual[i] + " != " + expected[i]);
            }
        }
    }
}
