package io.prism.vision.color;

import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.Chromaticities;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** File primaries → working space (Rec.709, D65) through XYZ, Bradford-adapted only when the whites differ. */
class PrimariesTest {
    static final Chromaticities REC2020 = new Chromaticities(0.708f, 0.292f, 0.170f, 0.797f, 0.131f, 0.046f, 0.3127f, 0.3290f);
    static final Chromaticities ACESCG = new Chromaticities(0.713f, 0.293f, 0.165f, 0.830f, 0.128f, 0.044f, 0.32168f, 0.33767f);

    /** Published matrices (ITU-R BT.2087 for Rec.2020 → Rec.709; colour-science's AP1 → sRGB with Bradford). */
    static final double[][] REC2020_TO_709 = {
            {1.6605, -0.5876, -0.0728}, {-0.1246, 1.1329, -0.0083}, {-0.0182, -0.1006, 1.1187}};
    static final double[][] ACESCG_TO_709_BRADFORD = {
            {1.70505, -0.62179, -0.08326}, {-0.13026, 1.14080, -0.01055}, {-0.02400, -0.12897, 1.15297}};

    static void assertMatrix(double[][] got, double[][] want, double tol) {
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) assertThat(got[r][c]).as("[%d][%d]", r, c).isCloseTo(want[r][c], within(tol));
    }

    @Test
    void rec709ToXyzIsTheSrgbMatrix() {
        assertMatrix(Primaries.rgbToXyz(Chromaticities.REC709),
                new double[][] {{0.4124, 0.3576, 0.1805}, {0.2126, 0.7152, 0.0722}, {0.0193, 0.1192, 0.9505}}, 2e-4);
    }

    @Test
    void sameWhiteConvertsThroughXyzOnly() {
        assertMatrix(Primaries.toWorking(REC2020), REC2020_TO_709, 2e-4);
    }

    @Test
    void differentWhiteIsBradfordAdaptedAndKeepsWhiteGrey() {
        double[][] m = Primaries.toWorking(ACESCG);
        assertMatrix(m, ACESCG_TO_709_BRADFORD, 2e-4);
        for (double[] row : m) assertThat(row[0] + row[1] + row[2]).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void rec709IsLeftAlone() {
        FloatImage img = FloatImage.blank(2, 1, List.of("R", "G", "B"));
        assertThat(Primaries.apply(img, Primaries.toWorking(Chromaticities.REC709))).isSameAs(img);
    }

    @Test
    void wideGamutFilePixelIsConvertedByTheDocumentedMatrix(@TempDir Path dir) throws Exception {
        // a saturated Rec.2020 green and an ACEScg orange, outside Rec.709: negative components after conversion
        float[][] px = {{0.05f, 0.9f, 0.1f}, {1.2f, 0.35f, 0.02f}};
        for (Chromaticities c : List.of(REC2020, ACESCG)) {
            FloatImage img = FloatImage.blank(2, 1, List.of("A", "B", "G", "R"));
            for (int i = 0; i < 2; i++) {
                img.set(img.indexOf("R"), i, 0, px[i][0]);
                img.set(img.indexOf("G"), i, 0, px[i][1]);
                img.set(img.indexOf("B"), i, 0, px[i][2]);
                img.set(img.indexOf("A"), i, 0, 1f);
            }
            Path f = dir.resolve("wide.exr");
            ExrWriter.write(f, img, ExrWriteOptions.defaults().compression(Compression.ZIP).pixelType(PixelType.FLOAT)
                    .chromaticities(c));
            BeautyLayer.Frame beauty = BeautyLayer.read(f, null);
            assertThat(beauty.chromaticities()).isEqualTo(c);
            assertThat(beauty.asStored()).isFalse();
            double[][] m = c == REC2020 ? REC2020_TO_709 : ACESCG_TO_709_BRADFORD;
            for (int i = 0; i < 2; i++) {
                for (int ch = 0; ch < 3; ch++) {
                    double want = m[ch][0] * px[i][0] + m[ch][1] * px[i][1] + m[ch][2] * px[i][2];
                    assertThat((double) beauty.image().get(ch, i, 0)).as("%s pixel %d channel %d", c, i, ch)
                            .isCloseTo(want, within(5e-4));
                }
                assertThat(beauty.image().get(3, i, 0)).isEqualTo(1f);
            }
        }
    }
}
