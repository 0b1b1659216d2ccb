package io.prism.vision.color;

import io.prism.vision.exr.Chromaticities;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import io.prism.vision.image.RasterOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The one colour pipeline: beauty layer → working space → model primaries → tone map → transfer. */
class InputEncodingTest {

    /** The shoulder curve as written in the docs, in double precision. */
    static double shoulder(double x) {
        return x <= 0.8 ? Math.max(0, x) : 0.8 + 0.2 * (1 - Math.exp(-(x - 0.8) / 0.2));
    }

    static Path resource(Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        try (InputStream in = InputEncodingTest.class.getResourceAsStream("/yc/" + name)) {
            assertThat(in).as(name).isNotNull();
            Files.copy(in, f);
        }
        return f;
    }

    static FloatImage exr(Path f) throws Exception {
        return ExrReader.read(f, ExrLimits.DEFAULT).parts().get(0).image();
    }

    @Test
    void defaultIsShoulderThenSrgbOnTheColourChannelsOnly() {
        FloatImage img = FloatImage.blank(4, 1, List.of("A", "B", "G", "R"));
        float[] r = {0.18f, 0.5f, 0.8f, 4f};
        for (int i = 0; i < 4; i++) {
            img.set(img.indexOf("R"), i, 0, r[i]);
            img.set(img.indexOf("G"), i, 0, -0.2f);
            img.set(img.indexOf("B"), i, 0, 1.5f);
            img.set(img.indexOf("A"), i, 0, 0.5f);
        }
        FloatImage in = InputEncoding.DEFAULT.encode(img);
        assertThat(in.channels()).containsExactly("R", "G", "B");
        for (int i = 0; i < 4; i++) {
            assertThat((double) in.get(0, i, 0)).isCloseTo(Srgb.encode((float) shoulder(r[i])), within(1e-6));
            assertThat(in.get(1, i, 0)).isEqualTo(0f);                                  // negatives → 0
            assertThat((double) in.get(2, i, 0)).isCloseTo(Srgb.encode((float) shoulder(1.5)), within(1e-6)).isLessThan(1); // compressed, not clipped
        }
        assertThat(in.get(0, 1, 0)).isEqualTo(Srgb.encode(0.5f));                        // identity below the knee, exactly
    }

    @Test
    void nonFinitePixelsAndUnresolvedChannelsAreRefused() {
        FloatImage nan = FloatImage.blank(2, 2, List.of("R", "G", "B"));
        nan.set(1, 1, 0, Float.NaN);
        assertThatThrownBy(() -> InputEncoding.DEFAULT.encode(nan)).hasMessageContaining("non-finite").hasMessageContaining("x=1, y=0");
        // raw luminance/chroma channels are never renamed to R, G, B
        FloatImage yc = FloatImage.blank(2, 2, List.of("BY", "RY", "Y"));
        assertThatThrownBy(() -> InputEncoding.DEFAULT.encode(yc)).hasMessageContaining("BeautyLayer");
    }

    @Test
    void settingsNamesRoundTripAndUnknownNamesAreRefused() {
        InputEncoding e = InputEncoding.of("ACEScg", "aces_fitted", "linear");
        assertThat(e).isEqualTo(new InputEncoding("acescg", ToneMap.ACES_FITTED, InputEncoding.Transfer.LINEAR));
        assertThat(InputEncoding.of(null, null, null)).isEqualTo(InputEncoding.DEFAULT);
        assertThat(e.describe()).isEqualTo("primaries acescg, tone map aces_fitted, transfer linear");
        assertThatThrownBy(() -> InputEncoding.of("adobe", null, null)).hasMessageContaining("unknown primaries 'adobe'");
        assertThatThrownBy(() -> InputEncoding.of(null, "filmic", null)).hasMessageContaining("unknown tone map");
    }

    @Test
    void luminanceChromaFileReachesTheModelAsLibOpenExrsRgb(@TempDir Path dir) throws Exception {
        FloatImage ref = exr(resource(dir, "yca-rec709.rgba.exr"));          // what RgbaInputFile gives
        FloatImage in = InputEncoding.DEFAULT.read(resource(dir, "yca-rec709.exr"), null);
        FloatImage want = InputEncoding.DEFAULT.encode(ref);
        for (int c = 0; c < 3; c++) assertThat(in.planes()[c]).as(in.channels().get(c)).isEqualTo(want.planes()[c]);
        int cx = in.width() / 2, cy = in.height() / 2;
        assertThat(in.get(0, cx, cy)).isEqualTo(Srgb.encode(ToneMap.SHOULDER.apply(ref.get(ref.indexOf("R"), cx, cy))));
        // the same bytes from memory (worker, previews) give the same input
        FloatImage fromBytes = InputEncoding.DEFAULT.read(Files.readAllBytes(dir.resolve("yca-rec709.exr")), "yca", null);
        for (int c = 0; c < 3; c++) assertThat(fromBytes.planes()[c]).isEqualTo(in.planes()[c]);
    }

    @Test
    void rec2020FilePixelReachesTheModelThroughTheBt2087Matrix(@TempDir Path dir) throws Exception {
        FloatImage ref = exr(resource(dir, "yc-rec2020-window.rgba.exr"));   // libOpenEXR's RGB, Rec.2020 primaries
        InputEncoding linear = new InputEncoding("rec709", ToneMap.CLAMP, InputEncoding.Transfer.LINEAR);
        FloatImage in = linear.read(resource(dir, "yc-rec2020-window.exr"), null);
        FloatImage enc = InputEncoding.DEFAULT.read(dir.resolve("yc-rec2020-window.exr"), null);
        double[][] m = PrimariesTest.REC2020_TO_709;
        int checked = 0;
        for (int y = 0; y < in.height(); y += 3) {
            for (int x = 0; x < in.width(); x += 3) {
                double[] rgb = {ref.get(ref.indexOf("R"), x, y), ref.get(ref.indexOf("G"), x, y), ref.get(ref.indexOf("B"), x, y)};
                for (int c = 0; c < 3; c++) {
                    double want = m[c][0] * rgb[0] + m[c][1] * rgb[1] + m[c][2] * rgb[2];
                    double tol = 2e-4 * (Math.abs(rgb[0]) + Math.abs(rgb[1]) + Math.abs(rgb[2])) + 1e-6;
                    if (want >= 0 && want <= 1) {
                        assertThat((double) in.get(c, x, y)).as("linear %d at %d,%d", c, x, y).isCloseTo(want, within(tol));
                        assertThat((double) enc.get(c, x, y)).as("encoded %d at %d,%d", c, x, y)
                                .isCloseTo(Srgb.encode((float) shoulder(want)), within(Math.max(1e-5, 20 * tol)));
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(50);
    }

    @Test
    void aModelWorkingInAcescgGetsTheFilesAcescgValuesBack(@TempDir Path dir) throws Exception {
        float[][] px = {{0.05f, 0.6f, 0.1f}, {0.9f, 0.35f, 0.02f}, {0.18f, 0.18f, 0.18f}};
        FloatImage img = FloatImage.blank(3, 1, List.of("B", "G", "R"));
        for (int i = 0; i < 3; i++) {
            img.set(img.indexOf("R"), i, 0, px[i][0]);
            img.set(img.indexOf("G"), i, 0, px[i][1]);
            img.set(img.indexOf("B"), i, 0, px[i][2]);
        }
        Path f = dir.resolve("acescg.exr");
        ExrWriter.write(f, img, ExrWriteOptions.defaults().compression(Compression.ZIP).pixelType(PixelType.FLOAT)
                .chromaticities(Chromaticities.ACES_AP1));
        InputEncoding acescg = new InputEncoding("acescg", ToneMap.CLAMP, InputEncoding.Transfer.LINEAR);
        // working → model primaries is the inverse of the published ACEScg → Rec.709 (Bradford) matrix
        PrimariesTest.assertMatrix(Primaries.multiply(acescg.matrix(), PrimariesTest.ACESCG_TO_709_BRADFORD), Primaries.identity(), 2e-4);
        FloatImage in = acescg.read(f, null);
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < 3; c++) assertThat((double) in.get(c, i, 0)).isCloseTo(px[i][c], within(1e-5));
        }
    }

    @Test
    void displayImagesAreTakenAsEncodedForAnSrgbModel(@TempDir Path dir) throws Exception {
        FloatImage png = FloatImage.blank(2, 1, List.of("R", "G", "B"));
        png.set(0, 0, 0, 1f);
        png.set(1, 1, 0, 128 / 255f);
        Path f = dir.resolve("frame.png");
        Files.write(f, ImageFiles.encode(png, ImageFormat.PNG, RasterOptions.DEFAULT));
        FloatImage in = InputEncoding.DEFAULT.read(f, null);
        for (int c = 0; c < 3; c++) assertThat(in.planes()[c]).isEqualTo(png.planes()[c]);
        FloatImage lin = new InputEncoding("rec709", ToneMap.CLAMP, InputEncoding.Transfer.LINEAR).read(f, null);
        assertThat(lin.get(1, 1, 0)).isEqualTo(Srgb.decode(128 / 255f));
    }
}
