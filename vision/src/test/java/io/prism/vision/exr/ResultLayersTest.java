package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Predicted layers written back as AOV EXRs that keep the source's windows and compression. */
class ResultLayersTest {

    @Test
    void targetsFollowThePatternOrSitNextToTheSource(@TempDir Path root) {
        Map<String, String> f = Map.of("show", "bb", "shot", "sh010", "layer", "beauty", "task", "albedo", "frame", "7");
        assertThat(ResultLayers.target(root, "{show}/{shot}/{layer}_{task}.{frame:04d}.exr", f, Path.of("/farm/x.exr")))
                .isEqualTo(root.resolve("bb/sh010/beauty_albedo.0007.exr"));
        assertThat(ResultLayers.target(root, null, f, Path.of("/farm/sh010/beauty.0007.exr")))
                .isEqualTo(Path.of("/farm/sh010/beauty_albedo.0007.exr"));
        assertThat(ResultLayers.target(root, "", f, Path.of("/farm/plate.exr"))).isEqualTo(Path.of("/farm/plate_albedo.exr"));
        assertThatThrownBy(() -> ResultLayers.target(root, "{show}/{take}.exr", f, Path.of("x.exr")))
                .hasMessageContaining("{take}");
        assertThatThrownBy(() -> ResultLayers.target(root, "{show}/{shot}.exr", Map.of("show", "..", "shot", "a"), Path.of("x.exr")))
                .hasMessageContaining("leave");
    }

    @Test
    void resultKeepsTheSourcesWindowsAndCompressionAndReadsBackInOiiotool(@TempDir Path root) throws Exception {
        Path source = TestData.openexrDir().resolve("Beachball/singlepart.0001.exr");
        ExrHeader h = ExrReader.readHeaders(source).get(0);
        int w = (int) h.dataWindow().widthLong(), ht = (int) h.dataWindow().heightLong();
        FloatImage albedo = FloatImage.blank(w, ht, List.of("R", "G", "B"));
        FloatImage mask = FloatImage.blank(w, ht, List.of("Y"));
        for (int i = 0; i < w * ht; i++) {
            albedo.planes()[0][i] = Half.round((i % w) / (float) w);
            albedo.planes()[1][i] = 0.5f;
            albedo.planes()[2][i] = Half.round((i / w) / (float) ht);
            mask.planes()[0][i] = (i % 7) == 0 ? 1f : 0f;
        }
        FloatImage a = ResultLayers.asAov(albedo, "albedo"), m = ResultLayers.asAov(mask, "mask");
        List<String> names = new ArrayList<>(a.channels());
        names.addAll(m.channels());
        FloatImage layers = new FloatImage(w, ht, names, new float[][] {a.planes()[0], a.planes()[1], a.planes()[2], m.planes()[0]});
        Path out = ResultLayers.target(root, "{show}/{shot}/{layer}_{task}.{frame:04d}.exr",
                Map.of("show", "bb", "shot", "s1", "layer", "beauty", "task", "aovs", "frame", "1"), source);
        ResultLayers.write(out, layers, h);

        ExrPart back = ExrReader.read(out).parts().get(0);
        assertThat(back.header().channels()).extracting(ExrChannel::name)
                .containsExactly("albedo.B", "albedo.G", "albedo.R", "mask.A");
        assertThat(back.header().dataWindow()).isEqualTo(h.dataWindow());
        assertThat(back.header().displayWindow()).isEqualTo(h.displayWindow());
        assertThat(back.header().compression()).isEqualTo(h.compression());
        assertThat(back.image().plane("albedo.R")).isEqualTo(albedo.plane("R"));
        assertThat(back.image().plane("mask.A")).isEqualTo(mask.plane("Y"));
        try (var s = Files.list(out.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).as("no temporary file left").containsExactly("beauty_aovs.0001.exr");
        }

        assumeTrue(oiiotool(), "oiiotool not installed");
        Process p = new ProcessBuilder("oiiotool", "--info", "-v", out.toString()).redirectErrorStream(true).start();
        String info = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(info).isTrue();
        assertThat(info).contains("albedo.R", "albedo.G", "albedo.B", "mask.A")
                .contains("pixel data origin: x=" + h.dataWindow().minX() + ", y=" + h.dataWindow().minY())
                .contains("full/display size: " + h.displayWindow().widthLong() + " x " + h.displayWindow().heightLong())
                .contains("compression: \"" + h.compression().name().toLowerCase() + "\"");
    }

    static boolean oiiotool() {
        try {
            Process p = new ProcessBuilder("oiiotool", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
