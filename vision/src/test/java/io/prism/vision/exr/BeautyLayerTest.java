package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The beauty resolver on the stereo Beachball frames and on typical AOV layouts. */
class BeautyLayerTest {

    static List<ExrHeader> headers(ExrWriter.Part... parts) throws Exception {
        return ExrReader.read(ExrWriter.encodeParts(List.of(parts)), "test.exr", ExrLimits.DEFAULT).parts().stream()
                .map(ExrPart::header).toList();
    }

    static ExrWriter.Part part(String name, String... channels) {
        return new ExrWriter.Part(name, FloatImage.blank(4, 2, List.of(channels)), ExrWriteOptions.defaults());
    }

    @Test
    void stereoMultiPartBeachballTakesTheDefaultViewsRgbaPart() throws Exception {
        Path f = TestData.openexrDir().resolve("Beachball/multipart.0001.exr");
        List<ExrHeader> headers = ExrReader.readHeaders(f);
        BeautyLayer.Layer l = BeautyLayer.select(headers, null, f.toString());
        assertThat(l.partName()).isEqualTo("rgba_right");
        assertThat(l.view()).isEqualTo("right");
        assertThat(l.channels()).containsExactly("R", "G", "B", "A");

        BeautyLayer.Layer left = BeautyLayer.select(headers, "left", f.toString());
        assertThat(left.partName()).isEqualTo("rgba_left");
        assertThat(left.view()).isEqualTo("left");
        assertThat(BeautyLayer.select(headers, "rgba_left", f.toString())).isEqualTo(left);

        BeautyLayer.Frame beauty = BeautyLayer.read(f, "left");
        ExrPart raw = ExrReader.read(f).part("rgba_left");
        assertThat(beauty.image().channels()).containsExactly("R", "G", "B", "A");
        assertThat(beauty.image().width()).isEqualTo(raw.image().width());
        assertThat(beauty.image().plane("G")).isEqualTo(raw.image().plane("G"));
        assertThat(beauty.asStored()).isFalse();
    }

    @Test
    void singlePartMultiViewUsesTheUnprefixedDefaultViewOrTheNamedView() throws Exception {
        Path f = TestData.openexrDir().resolve("Beachball/singlepart.0001.exr");
        List<ExrHeader> headers = ExrReader.readHeaders(f);
        BeautyLayer.Layer l = BeautyLayer.select(headers, null, f.toString());
        assertThat(l.prefix()).isEmpty();
        assertThat(l.view()).isEqualTo("right");
        BeautyLayer.Layer left = BeautyLayer.select(headers, "left", f.toString());
        assertThat(left.channels()).containsExactly("left.R", "left.G", "left.B", "left.A");
        assertThat(left.view()).isEqualTo("left");
        assertThat(BeautyLayer.read(f, null).asStored()).isTrue();
    }

    @Test
    void unprefixedRgbWinsOverAovLayers() throws Exception {
        List<ExrHeader> h = headers(part("main", "A", "B", "G", "R", "albedo.B", "albedo.G", "albedo.R", "mask.Y"));
        assertThat(BeautyLayer.select(h, null, "f").prefix()).isEmpty();
        assertThat(BeautyLayer.select(h, "albedo", "f").channels()).containsExactly("albedo.R", "albedo.G", "albedo.B");
    }

    @Test
    void beautyNamedPartOrLayerIsFoundAmongAovs() throws Exception {
        List<ExrHeader> parts = headers(part("diffuse", "B", "G", "R"), part("beauty", "A", "B", "G", "R"),
                part("depth", "Z"));
        assertThat(BeautyLayer.select(parts, null, "f").partName()).isEqualTo("beauty");
        List<ExrHeader> layers = headers(part("all", "Ci.B", "Ci.G", "Ci.R", "diffuse.B", "diffuse.G", "diffuse.R"));
        assertThat(BeautyLayer.select(layers, null, "f").prefix()).isEqualTo("Ci.");
        List<ExrHeader> combined = headers(part("all", "RenderLayer.Combined.B", "RenderLayer.Combined.G",
                "RenderLayer.Combined.R", "combined.B", "combined.G", "combined.R", "combined.A"));
        assertThat(BeautyLayer.select(combined, null, "f").channels()).hasSize(4);
    }

    @Test
    void refusalListsTheLayersFound() throws Exception {
        List<ExrHeader> h = headers(part("diffuse", "B", "G", "R"), part("specular", "B", "G", "R"), part("depth", "Z"));
        assertThatThrownBy(() -> BeautyLayer.select(h, null, "shot.exr"))
                .isInstanceOf(BeautyLayer.NotFound.class)
                .hasMessageContaining("shot.exr").hasMessageContaining("diffuse").hasMessageContaining("specular")
                .hasMessageContaining(BeautyLayer.ENV);
        assertThatThrownBy(() -> BeautyLayer.select(headers(part("x", "Z", "N.x")), "beauty", "z.exr"))
                .isInstanceOf(BeautyLayer.NotFound.class)
                .hasMessage("no beauty layer 'beauty' in z.exr: no colour layers (R,G,B / Y,RY,BY / Y)");
        assertThat(BeautyLayer.select(h, "specular", "shot.exr").partName()).isEqualTo("specular");
    }
}
