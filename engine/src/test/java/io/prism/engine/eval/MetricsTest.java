package io.prism.engine.eval;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MetricsTest {

    /** Reference values: scipy.ndimage.gaussian_filter(σ = 1.5, truncate = 3.5) SSIM cropped by 5 px, as skimage computes it. */
    @Test
    void ssimAndPsnrMatchAScipyReference() {
        int w = 20, h = 16;
        float[] x = new float[w * h], y = new float[w * h];
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                x[yy * w + xx] = (float) (0.5 + 0.4 * Math.sin(0.3 * xx + 0.2 * yy));
                y[yy * w + xx] = (float) (x[yy * w + xx] + 0.1 * Math.cos(0.5 * xx * yy / 16.0));
            }
        }
        FloatImage a = new FloatImage(w, h, List.of("Y"), new float[][] {x});
        FloatImage b = new FloatImage(w, h, List.of("Y"), new float[][] {y});
        assertThat(Metrics.ssim(a, b)).isCloseTo(0.9156494452541679, within(1e-5));
        assertThat(Metrics.psnr(a, b)).isCloseTo(22.475330959460038, within(1e-3));
        assertThat(Metrics.ssim(a, a)).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void iouAndF1CountPixelsAtThreshold() {
        FloatImage p = new FloatImage(4, 1, List.of("Y"), new float[][] {{1, 1, 0, 0}});
        FloatImage g = new FloatImage(4, 1, List.of("Y"), new float[][] {{1, 0, 1, 0}});
        assertThat(Metrics.iou(p, g)).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(Metrics.f1(p, g)).isCloseTo(0.5, within(1e-12));
        FloatImage empty = new FloatImage(4, 1, List.of("Y"), new float[][] {{0, 0, 0, 0}});
        assertThat(Metrics.iou(empty, empty)).isEqualTo(1.0);
    }

    @Test
    void mismatchedShapesAreRejected() {
        FloatImage a = FloatImage.blank(4, 4, List.of("Y"));
        FloatImage b = FloatImage.blank(4, 5, List.of("Y"));
        assertThatThrownBy(() -> Metrics.psnr(a, b)).hasMessageContaining("differ in shape");
    }
}
