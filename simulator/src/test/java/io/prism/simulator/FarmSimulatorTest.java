package io.prism.simulator;

import io.prism.vision.color.Srgb;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrHeader;
import io.prism.vision.exr.ExrImage;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.Half;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FarmSimulatorTest {

    @TempDir
    Path out;

    private SimulationSpec small() {
        return SimulationSpec.defaults(out).withShot("showA", "sh020").withSize(32, 24).withSamples(1)
                .withFrames(new FrameRange(1001, 1003)).withThreads(2).withSeed(8);
    }

    @Test
    void writesAFarmShapedFolderWithOneExrPerFrameAndPreviewsBeside() throws Exception {
        List<FarmSimulator.FrameOutput> seen = new ArrayList<>();
        FarmSimulator.SimulationReport report = new FarmSimulator().run(small(), seen::add);

        assertThat(report.frames()).extracting(FarmSimulator.FrameOutput::frame).containsExactly(1001, 1002, 1003);
        assertThat(seen).hasSize(3);
        Path layerDir = out.resolve("showA/sh020/beauty");
        try (Stream<Path> files = Files.list(layerDir)) {
            // Exactly the frames, nothing temporary left behind.
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly("sh020.1001.exr", "sh020.1002.exr", "sh020.1003.exr");
        }
        for (int f = 1001; f <= 1003; f++) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(layerDir.resolve("sh020." + f + ".exr")), 8);
            assertThat(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt()).as("OpenEXR magic").isEqualTo(20000630);
        }
        try (Stream<Path> files = Files.list(out.resolve("showA/sh020/previews"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(9).allMatch(n -> n.endsWith(".png") && !n.startsWith("."));
            assertThat(names).contains("sh020.beauty.1001.png", "sh020.albedo.1002.png", "sh020.mask.1003.png");
        }
        // Previews are real images of the frame: the mask preview is white exactly where the mask is 1.
        RenderedFrame rf = new Renderer().render(report.scene(), 1002, 32, 24, 1, 1);
        BufferedImage maskPng = ImageIO.read(out.resolve("showA/sh020/previews/sh020.mask.1002.png").toFile());
        assertThat(maskPng.getWidth()).isEqualTo(32);
        int glass = 0;
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                boolean onGlass = rf.mask().get(0, x, y) == 1f;
                glass += onGlass ? 1 : 0;
                assertThat(maskPng.getRGB(x, y) & 0xFFFFFF).isEqualTo(onGlass ? 0xFFFFFF : 0);
            }
        }
        assertThat(glass).isPositive();
    }

    /**
     * The EXR read back with Prism's reader: every layer is there, albedo and depth are bit-exact
     * (FLOAT), the mask is exactly 0/1 (HALF holds both), beauty is the HALF rounding of the render,
     * and the scene's provenance is in the header.
     */
    @Test
    void exrHoldsAllLayersWithExactGroundTruth() throws Exception {
        SimulationSpec spec = small().withFrames(new FrameRange(1002, 1002));
        FarmSimulator.SimulationReport report = new FarmSimulator().run(spec);
        RenderedFrame rf = new Renderer().render(report.scene(), 1002, 32, 24, 1, 2);
        ExrImage exr = ExrReader.read(spec.exrPath(1002));
        assertThat(exr.parts()).hasSize(1);
        ExrHeader header = exr.parts().get(0).header();
        assertThat(header.compression()).isEqualTo(Compression.ZIP);
        assertThat(header.string("prism.simulator.style")).contains("studio");
        assertThat(header.string("prism.simulator.seed")).contains("8");
        FloatImage back = exr.parts().get(0).image();
        assertThat(back.channels()).containsExactlyInAnyOrderElementsOf(Renderer.CHANNELS);
        for (String c : List.of("albedo.R", "albedo.G", "albedo.B", "Z", "mask.Y", "A")) {
            assertThat(back.plane(c)).as(c).containsExactly(rf.image().plane(c));
        }
        float[] r = rf.image().plane("R"), rBack = back.plane("R");
        for (int i = 0; i < r.length; i++) assertThat(rBack[i]).isEqualTo(Half.round(r[i]));
        // and the sRGB beauty preview is the encoded beauty
        FloatImage png = ImageFiles.read(spec.previewPath("beauty", 1002));
        assertThat(png.get(1, 5, 7)).isCloseTo(Srgb.encode(Math.min(1f, rf.beauty().get(1, 5, 7))), org.assertj.core.data.Offset.offset(1 / 255f));
    }

    @Test
    void nameAndLayerAreConfigurable() throws Exception {
        SimulationSpec spec = small().withLayer("rgba").withName("plate").withFrames(new FrameRange(7, 7)).withCompression(Compression.PIZ);
        new FarmSimulator().run(spec);
        assertThat(out.resolve("showA/sh020/rgba/plate.0007.exr")).isRegularFile();
        assertThat(out.resolve("showA/sh020/previews/plate.beauty.0007.png")).isRegularFile();
    }

    /** A paced farm: frame k appears no earlier than k periods after the start. */
    @Test
    void emitsFramesAtTheRequestedRate() throws Exception {
        SimulationSpec spec = small().withRate(EmitRate.framesPerSecond(10));
        List<Long> times = new ArrayList<>();
        long t0 = System.nanoTime();
        new FarmSimulator().run(spec, o -> times.add(System.nanoTime() - t0));
        assertThat(times).hasSize(3);
        assertThat(times.get(1)).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(times.get(2)).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
    }

    /** Bad specs fail before anything is rendered, with a message naming the field. */
    @Test
    void rejectsUnsafeNamesAndBadSizes() {
        assertThatThrownBy(() -> small().withShot("../etc", "sh010")).hasMessageContaining("show must be");
        assertThatThrownBy(() -> small().withName("a.b")).hasMessageContaining("name must be");
        assertThatThrownBy(() -> small().withLayer("previews")).hasMessageContaining("previews");
        assertThatThrownBy(() -> small().withSize(0, 10)).hasMessageContaining("image size");
        assertThatThrownBy(() -> small().withSize(8192, 8192)).hasMessageContaining("at most 16777216 pixels");
        assertThatThrownBy(() -> small().withSamples(0)).hasMessageContaining("samples");
        assertThatThrownBy(() -> small().withCompression(Compression.DWAA)).hasMessageContaining("unsupported");
        assertThat(out.resolve("showA")).doesNotExist();
    }

    @Test
    void parsesFrameRangesAndRates() {
        assertThat(FrameRange.parse("1001-1024")).isEqualTo(new FrameRange(1001, 1024));
        assertThat(FrameRange.parse(" 7 ").count()).isEqualTo(1);
        assertThatThrownBy(() -> FrameRange.parse("24-1")).hasMessageContaining("first <= last");
        assertThatThrownBy(() -> FrameRange.parse("a-b")).hasMessageContaining("bad frame range");
        assertThat(EmitRate.parse("max").unlimited()).isTrue();
        assertThat(EmitRate.parse("4fps").period()).isEqualTo(Duration.ofMillis(250));
        assertThat(EmitRate.parse("2/s").period()).isEqualTo(Duration.ofMillis(500));
        assertThat(EmitRate.parse("3s").period()).isEqualTo(Duration.ofSeconds(3));
        assertThat(EmitRate.parse("250ms").period()).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> EmitRate.parse("fast")).hasMessageContaining("bad rate 'fast'");
        assertThatThrownBy(() -> EmitRate.parse("-2fps")).hasMessageContaining("positive");
    }

}
