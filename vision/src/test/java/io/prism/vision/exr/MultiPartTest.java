package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Multi-part files: each part keeps its name, channels, window, compression and pixels; merging prefixes clashes. */
class MultiPartTest {

    static List<ExrWriter.Part> parts() {
        FloatImage rgba = ExrRoundTripTest.allHalfs().select(List.of("R", "G", "B"));
        FloatImage left = FloatImage.blank(256, 256, List.of("R", "G", "B", "A"));
        for (int c = 0; c < 3; c++) left.planes()[c] = rgba.planes()[c];
        java.util.Arrays.fill(left.planes()[3], 1f);
        FloatImage depth = ExrRoundTripTest.floats(33, 21, 4).select(List.of("Z"));
        FloatImage albedo = FloatImage.blank(40, 30, List.of("R", "G", "B"));
        for (float[] p : albedo.planes()) for (int i = 0; i < p.length; i++) p[i] = Half.round(i / 1200f);
        return List.of(
                new ExrWriter.Part("rgba_left", left, ExrWriteOptions.defaults().compression(Compression.ZIP)),
                new ExrWriter.Part("depth", depth, ExrWriteOptions.lossless(Compression.PIZ).dataOrigin(-5, 7)),
                new ExrWriter.Part("albedo", albedo, ExrWriteOptions.defaults().compression(Compression.RLE)
                        .dataOrigin(3, 3).attribute("prism.layer", "albedo")));
    }

    @Test
    void partsRoundTripWithTheirOwnHeaders() throws Exception {
        List<ExrWriter.Part> parts = parts();
        byte[] bytes = ExrWriter.encodeParts(parts);
        assertThat(bytes[5] & 0x10).as("multi-part flag").isEqualTo(0x10);
        ExrImage exr = ExrReader.read(bytes, "multi.exr", ExrLimits.DEFAULT);
        assertThat(exr.parts()).extracting(p -> p.header().name()).containsExactly("rgba_left", "depth", "albedo");
        for (int i = 0; i < parts.size(); i++) {
            ExrWriter.Part p = parts.get(i);
            ExrHeader h = exr.parts().get(i).header();
            assertThat(h.type()).isEqualTo(ExrHeader.SCANLINE);
            assertThat(h.compression()).isEqualTo(p.options().compression());
            assertThat(h.dataWindow()).isEqualTo(Box2i.ofSize(p.options().originX(), p.options().originY(),
                    p.image().width(), p.image().height()));
            assertThat(h.attribute("chunkCount")).isPresent();
            ExrRoundTripTest.assertBitExact(exr.parts().get(i).image(), p.image());
        }
        assertThat(exr.part("albedo").header().string("prism.layer")).contains("albedo");

        // one image: clashing names get their part as prefix, windows are united, pixels land where they belong
        FloatImage all = ExrReader.merge(exr);
        assertThat(all.channels()).containsExactly("A", "rgba_left.B", "rgba_left.G", "rgba_left.R", "Z",
                "albedo.B", "albedo.G", "albedo.R");
        // union of (0,0)-(255,255), (-5,7)-(27,27), (3,3)-(42,32)
        assertThat(all.width()).isEqualTo(261);
        assertThat(all.height()).isEqualTo(256);
        assertThat(all.get(all.indexOf("Z"), 1, 8)).isEqualTo(parts.get(1).image().get(0, 1, 1));
        assertThat(exr.parts()).allSatisfy(p -> assertThat(p.header().displayWindow()).isEqualTo(new Box2i(-5, 0, 255, 255)));
        assertThat(all.get(all.indexOf("albedo.G"), 5 + 3 + 2, 3 + 4)).isEqualTo(parts.get(2).image().get(1, 2, 4));
        assertThat(all.get(all.indexOf("Z"), 260, 255)).isZero();
    }

    @Test
    void partNamesMustBeUniqueAndConsistent() {
        FloatImage img = FloatImage.blank(2, 2, List.of("Y"));
        assertThatThrownBy(() -> ExrWriter.encodeParts(List.of(new ExrWriter.Part("a", img, ExrWriteOptions.defaults()),
                new ExrWriter.Part("a", img, ExrWriteOptions.defaults())))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExrWriter.encodeParts(List.of(new ExrWriter.Part("a", img,
                ExrWriteOptions.defaults().attribute("name", "b"))))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oiiotoolSeesEveryPart(@TempDir Path dir) throws Exception {
        try {
            OiiotoolInteropTest.run(List.of("oiiotool", "--version"));
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "oiiotool not installed");
        }
        Path f = dir.resolve("multi.exr");
        ExrWriter.writeParts(f, parts());
        String info = OiiotoolInteropTest.run(List.of("oiiotool", "-a", "--info", "-v", f.toString()));
        assertThat(info).contains("3 subimages").contains("name: \"rgba_left\"").contains("name: \"depth\"")
                .contains("name: \"albedo\"");
        Path depth = dir.resolve("depth.exr");
        OiiotoolInteropTest.run(List.of("oiiotool", f.toString(), "--subimage", "depth", "-o", depth.toString()));
        FloatImage seen = OiiotoolInteropTest.dump(List.of(depth), 33, 21).get(0).pixels();
        OiiotoolInteropTest.assertMatches(seen, parts().get(1).image(), 0, "oiiotool reading part 'depth'");
    }
}
