package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Luminance/chroma files decode to the RGB that libOpenEXR's RGBA interface gives. The files in
 * {@code src/test/resources/yc} and their references ({@code *.rgba.exr}, what {@code RgbaInputFile} read back) were
 * written by {@code src/test/fixtures/make-yc-fixtures.cpp} with libOpenEXR 3.1.
 */
class LuminanceChromaTest {

    static ExrImage resource(String name) throws Exception {
        try (InputStream in = LuminanceChromaTest.class.getResourceAsStream("/yc/" + name)) {
            assertThat(in).as(name).isNotNull();
            return ExrReader.read(in.readAllBytes(), name, ExrLimits.DEFAULT);
        }
    }

    /** Every sample bit-identical to libOpenEXR's; the beauty is that RGB in the working space. */
    static void assertMatchesLibOpenExr(String file) throws Exception {
        ExrImage yc = resource(file + ".exr");
        FloatImage ref = resource(file + ".rgba.exr").parts().get(0).image();
        FloatImage rgb = LuminanceChroma.toRgb(yc.parts().get(0), "");
        for (String c : rgb.channels()) {
            float[] got = rgb.plane(c), want = ref.plane(c);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("%s %s at x=%d y=%d", file, c, i % rgb.width(), i / rgb.width()).isEqualTo(want[i]);
            }
        }
        BeautyLayer.Frame beauty = BeautyLayer.extract(yc, (String) null);
        assertThat(beauty.layer().kind()).isEqualTo(BeautyLayer.Kind.LUMINANCE_CHROMA);
        assertThat(beauty.asStored()).isFalse();
        FloatImage working = io.prism.vision.color.Primaries.apply(rgb,
                io.prism.vision.color.Primaries.toWorking(beauty.chromaticities()));
        assertThat(beauty.image().channels()).isEqualTo(working.channels());
        for (int c = 0; c < working.channelCount(); c++) {
            assertThat(beauty.image().planes()[c]).isEqualTo(working.planes()[c]);
        }
    }

    @Test
    void subsampledLuminanceChromaWithAlphaMatchesLibOpenExr() throws Exception {
        ExrHeader h = resource("yca-rec709.exr").parts().get(0).header();
        assertThat(h.channels()).extracting(ExrChannel::name).containsExactly("A", "BY", "RY", "Y");
        assertThat(h.channels().get(1).xSampling()).isEqualTo(2);
        assertMatchesLibOpenExr("yca-rec709");
    }

    @Test
    void chromaticitiesSetTheLuminanceWeightsAndShiftedWindowsWork() throws Exception {
        ExrHeader h = resource("yc-rec2020-window.exr").parts().get(0).header();
        assertThat(h.chromaticities()).isPresent();
        assertThat(h.dataWindow().minX()).isEqualTo(-10);
        float[] yw = LuminanceChroma.luminanceWeights(h.chromaticities().get());
        assertThat(yw[0]).isCloseTo(0.2627f, org.assertj.core.data.Offset.offset(1e-4f)); // Rec.2020 luma weights
        assertThat(yw[2]).isCloseTo(0.0593f, org.assertj.core.data.Offset.offset(1e-4f));
        assertMatchesLibOpenExr("yc-rec2020-window");
    }

    @Test
    void luminanceOnlyIsGrey() throws Exception {
        ExrImage y = resource("ya-grey.exr");
        FloatImage ref = resource("ya-grey.rgba.exr").parts().get(0).image();
        FloatImage rgb = BeautyLayer.extract(y, (String) null).image();
        assertThat(rgb.channels()).containsExactly("R", "G", "B", "A");
        for (String c : List.of("R", "G", "B", "A")) assertThat(rgb.plane(c)).as(c).isEqualTo(ref.plane(c));
        assertThat(rgb.plane("R")).isEqualTo(y.parts().get(0).image().plane("Y"));
    }

    @Test
    void readBeautyGivesTheModelsRgbNotSortedChromaChannels(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("yc.exr");
        try (InputStream in = LuminanceChromaTest.class.getResourceAsStream("/yc/yca-rec709.exr")) {
            java.nio.file.Files.copy(in, f);
        }
        FloatImage beauty = io.prism.vision.image.ImageFiles.readBeauty(f, null);
        FloatImage ref = resource("yca-rec709.rgba.exr").parts().get(0).image();
        assertThat(beauty.channels()).containsExactly("R", "G", "B", "A");
        for (String c : beauty.channels()) assertThat(beauty.plane(c)).as(c).isEqualTo(ref.plane(c));
    }

    @Test
    void rec709WeightsAreOpenExrDefaults() {
        float[] yw = LuminanceChroma.luminanceWeights(Chromaticities.REC709);
        assertThat(yw[0]).isCloseTo(0.2126f, org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(yw[1]).isCloseTo(0.7152f, org.assertj.core.data.Offset.offset(1e-4f));
        assertThat(yw[2]).isCloseTo(0.0722f, org.assertj.core.data.Offset.offset(1e-4f));
    }
}
