package io.prism.vision.color;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Resampling: exact area means, interpolation of smooth functions, constants preserved, any channel count. */
class ResizeTest {

    static FloatImage random(int w, int h, int channels, long seed) {
        String[] names = {"R", "G", "B", "A", "Z", "albedo.R", "mask"};
        FloatImage img = FloatImage.blank(w, h, List.of(names).subList(0, channels));
        Random r = new Random(seed);
        for (float[] p : img.planes()) for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
        return img;
    }

    @Test
    void areaDownscaleIsTheExactMeanOfCoveredPixels() {
        FloatImage img = random(8, 6, 5, 1);
        FloatImage half = Resize.resize(img, 4, 3, Resize.Filter.AREA);
        for (int c = 0; c < 5; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    double mean = (img.get(c, 2 * x, 2 * y) + img.get(c, 2 * x + 1, 2 * y) + img.get(c, 2 * x, 2 * y + 1)
                            + img.get(c, 2 * x + 1, 2 * y + 1)) / 4.0;
                    assertThat((double) half.get(c, x, y)).isCloseTo(mean, within(1e-6));
                }
            }
        }
        // 3 → 2: the middle source pixel is split half and half
        FloatImage row = new FloatImage(3, 1, List.of("Y"), new float[][] {{0f, 3f, 6f}});
        FloatImage two = Resize.resize(row, 2, 1, Resize.Filter.AREA);
        assertThat(two.plane("Y")).containsExactly(new float[] {1f, 5f}, within(1e-6f));
        // the mean of the whole image is preserved by area resampling
        FloatImage third = Resize.resize(img, 3, 2, Resize.Filter.AREA);
        assertThat(mean(third.planes()[0])).isCloseTo(mean(img.planes()[0]), within(1e-5));
    }

    @Test
    void constantsStayConstantWithEveryFilterAndDirection() {
        FloatImage c = FloatImage.blank(13, 7, List.of("R", "G"));
        java.util.Arrays.fill(c.planes()[0], 0.7f);
        java.util.Arrays.fill(c.planes()[1], -2f);
        for (Resize.Filter f : Resize.Filter.values()) {
            for (int[] size : new int[][] {{5, 3}, {29, 17}, {1, 1}, {13, 20}}) {
                FloatImage r = Resize.resize(c, size[0], size[1], f);
                for (float v : r.planes()[0]) assertThat(v).as(f + " " + size[0]).isCloseTo(0.7f, within(1e-6f));
                for (float v : r.planes()[1]) assertThat(v).isCloseTo(-2f, within(1e-6f));
            }
        }
    }

    @Test
    void upscalingInterpolatesLinearRampsExactlyAwayFromEdges() {
        FloatImage ramp = FloatImage.blank(16, 4, List.of("Y"));
        for (int y = 0; y < 4; y++) for (int x = 0; x < 16; x++) ramp.set(0, x, y, x);
        for (Resize.Filter f : new Resize.Filter[] {Resize.Filter.BILINEAR, Resize.Filter.BICUBIC, Resize.Filter.BILINEAR_NO_ANTIALIAS}) {
            FloatImage up = Resize.resize(ramp, 64, 16, f);
            for (int x = 8; x < 56; x++) {
                double expected = (x + 0.5) / 4 - 0.5; // source coordinate of the output pixel centre
                assertThat((double) up.get(0, x, 5)).as(f + " x=" + x).isCloseTo(expected, within(1e-4));
            }
        }
    }

    @Test
    void antialiasedDownscaleAveragesInsteadOfSkipping() {
        // a 1-pixel checkerboard shrunk 4x must become flat grey, not aliased stripes
        FloatImage checker = FloatImage.blank(64, 64, List.of("Y"));
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) checker.set(0, x, y, (x + y) % 2);
        for (Resize.Filter f : new Resize.Filter[] {Resize.Filter.AREA, Resize.Filter.BILINEAR, Resize.Filter.BICUBIC}) {
            FloatImage small = Resize.resize(checker, 16, 16, f);
            for (float v : small.planes()[0]) assertThat(v).as(f.toString()).isCloseTo(0.5f, within(0.02f));
        }
        // torch's point samplers do alias: nearest reads source (4x, 4y), always a 0 of the checkerboard, and
        // bilinear without antialias blends the two neighbours around 4x + 1.5, which are 0 and 1 half and half
        for (float v : Resize.resize(checker, 16, 16, Resize.Filter.NEAREST).planes()[0]) assertThat(v).isZero();
        FloatImage stripes = FloatImage.blank(64, 1, List.of("Y"));
        for (int x = 0; x < 64; x++) stripes.set(0, x, 0, x % 4 == 1 ? 1 : 0);          // 1 every 4th pixel
        for (float v : Resize.resize(stripes, 16, 1, Resize.Filter.BILINEAR_NO_ANTIALIAS).planes()[0]) {
            assertThat(v).isEqualTo(0.5f);                                                 // antialiased: about 0.25
        }
    }

    @Test
    void nearestTakesTheFloorOfTheScaledIndexAsTorchDoes() {
        FloatImage row = new FloatImage(3, 1, List.of("Y"), new float[][] {{10f, 20f, 30f}});
        // src = floor(d * 3/7): 0,0,0,1,1,2,2 (torch "nearest", not "nearest-exact")
        assertThat(Resize.resize(row, 7, 1, Resize.Filter.NEAREST).plane("Y"))
                .containsExactly(10f, 10f, 10f, 20f, 20f, 30f, 30f);
    }

    @Test
    void edgePaddingRepeatsTheLastRowAndColumn() {
        FloatImage img = new FloatImage(2, 2, List.of("Y"), new float[][] {{1, 2, 3, 4}});
        assertThat(Resize.padEdge(img, 3, 3).plane("Y")).containsExactly(1, 2, 2, 3, 4, 4, 3, 4, 4);
    }

    @Test
    void maxEdgeSizeFloorsLikeDiffusersAndRefusesAZeroSide() {
        assertThat(Resize.maxEdgeSize(56, 38, 32)).containsExactly(32, 21);             // 38·32/56 = 21.7 → 21
        assertThat(Resize.maxEdgeSize(640, 480, 768)).containsExactly(768, 576);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Resize.maxEdgeSize(4000, 1, 768))
                .hasMessageContaining("aspect ratio");
    }

    @Test
    void longEdgeResizeKeepsAspect() {
        FloatImage img = random(300, 200, 3, 2);
        FloatImage r = Resize.resizeLongEdge(img, 768, Resize.Filter.BILINEAR);
        assertThat(r.width()).isEqualTo(768);
        assertThat(r.height()).isEqualTo(512);
        assertThat(Resize.resize(img, 150, 100).channels()).isEqualTo(img.channels());
    }

    private static double mean(float[] p) {
        double s = 0;
        for (float v : p) s += v;
        return s / p.length;
    }
}
