package io.prism.engine.marigold.train;

import io.prism.engine.train.Seeds;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Marigold's multi-resolution noise: unit variance, spatially correlated (coarse fields added), plain Gaussian at 0. */
class MultiResNoiseTest {
    @Test
    void hasUnitStdAndNeighbourCorrelationThatGrowsWithStrength() {
        float[] plain = MultiResNoise.sample(new SplittableRandom(5), 4, 48, 64, 0);
        assertThat(plain).containsExactly(Seeds.gaussian(new SplittableRandom(5), 4 * 48 * 64));
        double previous = correlation(plain, 48, 64);
        assertThat(previous).isBetween(-0.05, 0.05);
        for (double s : new double[] {0.5, 0.9}) {
            float[] n = MultiResNoise.sample(new SplittableRandom(5), 4, 48, 64, s);
            assertThat(std(n)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            double c = correlation(n, 48, 64);
            assertThat(c).as("neighbour correlation at strength " + s).isGreaterThan(previous + 0.05);
            previous = c;
        }
    }

    static double std(float[] x) {
        double m = 0, ss = 0;
        for (float v : x) m += v;
        m /= x.length;
        for (float v : x) ss += (v - m) * (v - m);
        return Math.sqrt(ss / (x.length - 1));
    }

    /** Correlation of horizontally adjacent values within each plane. */
    static double correlation(float[] x, int h, int w) {
        double sxy = 0, sxx = 0;
        for (int p = 0; p < x.length / (h * w); p++) {
            for (int y = 0; y < h; y++) {
                for (int i = 0; i < w - 1; i++) {
                    int k = p * h * w + y * w + i;
                    sxy += x[k] * x[k + 1];
                    sxx += x[k] * x[k];
                }
            }
        }
        return sxy / sxx;
    }
}
