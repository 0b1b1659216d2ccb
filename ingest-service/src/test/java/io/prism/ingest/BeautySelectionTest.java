package io.prism.ingest;

import io.prism.vision.testing.TestExrs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.ingest.validate.ImageInspector;
import io.prism.ingest.validate.InspectedImage;
import io.prism.ingest.validate.Layers;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.image.FloatImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which beauty ingest takes from a frame (no services needed: the inspector and the layer extraction alone). The
 * stereo multi-part Beachball frame, refused before, is accepted with the default view's rgba part, or the named view.
 */
class BeautySelectionTest {
    final ImageInspector inspector = new ImageInspector(1L << 30, 1L << 26, 1024, 1);

    static Path beachball() {
        Path f = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata/openexr/Beachball/multipart.0001.exr");
        assumeTrue(Files.isRegularFile(f), "no shared test data at " + f);
        return f;
    }

    @Test
    void stereoMultiPartFrameIsAcceptedWithTheDefaultViewsRgbaPart() throws Exception {
        InspectedImage img = inspector.inspectBeauty(beachball(), "multipart.0001.exr", null);
        assertThat(img.beauty().layer().partName()).isEqualTo("rgba_right");
        assertThat(img.beauty().layer().view()).isEqualTo("right");
        assertThat(img.beauty().asStored()).isFalse();

        Layers.Extracted x = Layers.beauty(img);
        FloatImage stored = ExrReader.merge(ExrReader.read(x.exr(), "beauty", ExrLimits.DEFAULT));
        FloatImage part = ExrReader.read(beachball()).part("rgba_right").image();
        assertThat(stored.channels()).containsExactly("A", "B", "G", "R");
        assertThat(stored.width()).isEqualTo(part.width());
        assertThat(stored.plane("R")).isEqualTo(part.plane("R"));
    }

    @Test
    void theNamedViewOrPartIsTaken() throws Exception {
        assertThat(inspector.inspectBeauty(beachball(), "b.exr", "left").beauty().layer().partName()).isEqualTo("rgba_left");
        assertThat(inspector.inspectBeauty(beachball(), "b.exr", "rgba_left").beauty().layer().view()).isEqualTo("left");
        assertThatThrownBy(() -> inspector.inspectBeauty(beachball(), "b.exr", "centre"))
                .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.code()).isEqualTo("channel_layout"))
                .hasMessageContaining("rgba_left (view left)").hasMessageContaining("views: right, left");
    }

    @Test
    void plainRgbFrameIsStoredAsItIs(@TempDir Path dir) throws Exception {
        Path f = TestExrs.write(dir.resolve("plain.exr"), TestExrs.multiLayer(3));
        InspectedImage img = inspector.inspectBeauty(f, "plain.exr", null);
        assertThat(img.beauty().asStored()).isTrue();
        assertThat(Layers.beautyIsWholeFile(img)).isFalse();
        assertThat(Layers.beauty(img).channels()).isEqualTo(4);
    }

    @Test
    void frameWithoutColourIsRefusedListingItsChannels(@TempDir Path dir) throws Exception {
        Path f = TestExrs.write(dir.resolve("z.exr"), TestExrs.image(8, 8, 1, "Z", "N.x"));
        assertThatThrownBy(() -> inspector.inspectBeauty(f, "z.exr", null))
                .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.status()).isEqualTo(422))
                .hasMessageContaining("R,G,B").hasMessageContaining("[N.x, Z]");
    }
}
