package io.prism.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.vision.testing.TestExrs;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.color.ToneMap;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import io.prism.vision.image.RasterOptions;
import io.prism.worker.pipeline.FrameDecoder;
import io.prism.worker.pipeline.ModelInput;
import io.prism.worker.pipeline.PoisonFrameException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker picks a frame's beauty with vision's BeautyLayer, as ingest does: the chosen part or view of a stereo
 * multi-part file, luminance/chroma converted to RGB, a file without a beauty refused with the layers it has.
 * References come from outside Prism: oiiotool's extraction of a part, libOpenEXR's RGBA reading of a YC file. The
 * decoded frame is kept before any model's encoding and encoded per model, once per encoding.
 */
class FrameDecoderTest {
    @TempDir
    Path dir;

    static Path openexr() {
        Path d = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "openexr");
        assumeTrue(Files.isDirectory(d), "shared OpenEXR test images absent: " + d);
        return d;
    }

    FrameSubmitted frame(BlobStore blobs, Path file, Map<String, String> attributes) throws Exception {
        BlobRef ref = blobs.put(Files.readAllBytes(file), "image/x-exr");
        return FrameSubmitted.of(UUID.randomUUID(), "job", "show", "sh010", "beauty", 1, 1, ref, file.toString(), attributes);
    }

    /** R, G, B of one part of a file as oiiotool extracts it (linear, as the worker keeps a frame before encoding it). */
    FloatImage oiiotoolPart(Path file, String part) throws Exception {
        Path out = dir.resolve(part + ".exr");
        Process p = new ProcessBuilder("oiiotool", file.toString(), "--subimage", part, "--ch", "R,G,B", "-o", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0).as(log).isTrue();
        return ExrReader.readImage(out).select(List.of("R", "G", "B"));
    }

    @Test
    void aStereoMultiPartFrameGivesTheNamedViewOrTheDefaultOne() throws Exception {
        Path file = openexr().resolve("Beachball/multipart.0001.exr");
        assumeTrue(oiiotool(), "oiiotool not installed");
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        FrameDecoder decoder = new FrameDecoder(blobs, 1L << 26, null);

        FrameDecoder.Decoded left = decoder.decode(frame(blobs, file, Map.of("beautyLayer", "left")));
        assertThat(left.header().name()).isEqualTo("rgba_left");
        assertThat(left.header().dataWindow().minX()).isEqualTo(688);
        assertSamePixels(left.input().image(), oiiotoolPart(file, "rgba_left"));

        FrameDecoder.Decoded byDefault = decoder.decode(frame(blobs, file, Map.of()));
        assertThat(byDefault.header().name()).as("the first part's view").isEqualTo("rgba_right");
        assertSamePixels(byDefault.input().image(), oiiotoolPart(file, "rgba_right"));

        FrameDecoder.Decoded showWide = new FrameDecoder(blobs, 1L << 26, "left").decode(frame(blobs, file, Map.of()));
        assertThat(showWide.header().name()).as("PRISM_BEAUTY_LAYER").isEqualTo("rgba_left");
    }

    @Test
    void aLuminanceChromaFrameIsTheRgbLibOpenExrReads() throws Exception {
        // written and read back through RgbaInputFile by vision's src/test/fixtures/make-yc-fixtures.cpp (libOpenEXR 3.1)
        Path yc = Path.of("../vision/src/test/resources/yc/yca-rec709.exr");
        assumeTrue(Files.isRegularFile(yc), "vision's YC fixtures absent");
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        FloatImage got = new FrameDecoder(blobs, 1L << 26, null).decode(frame(blobs, yc, Map.of())).input().image();
        FloatImage libOpenExr = ExrReader.read(Files.readAllBytes(yc.resolveSibling("yca-rec709.rgba.exr")), "ref", ExrLimits.DEFAULT)
                .parts().get(0).image();
        assertSamePixels(got, InputEncoding.colour(libOpenExr, "reference"));
    }

    @Test
    void aFrameWithoutABeautyIsPoisonThatNamesItsLayers() throws Exception {
        FloatImage aovs = FloatImage.blank(8, 8, List.of("depth.Z", "diffuse.R", "diffuse.G"));
        Path file = dir.resolve("aovs.exr");
        ExrWriter.write(file, aovs, ExrWriteOptions.defaults());
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        assertThatThrownBy(() -> new FrameDecoder(blobs, 1L << 26, null).decode(frame(blobs, file, Map.of())))
                .isInstanceOf(PoisonFrameException.class)
                .hasMessageContaining("no beauty layer")
                .satisfies(e -> assertThat(((PoisonFrameException) e).reason()).isEqualTo("unusable-pixels"));
    }

    static final InputEncoding ACESCG_LINEAR = new InputEncoding("acescg", ToneMap.SHOULDER, InputEncoding.Transfer.LINEAR);

    @Test
    void aFrameIsEncodedOncePerModelEncodingWithVisionsPipeline() throws Exception {
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        Path file = dir.resolve("beauty.exr");
        Files.write(file, TestExrs.linearBeauty(16, 16, 7));
        ModelInput exr = new FrameDecoder(blobs, 1L << 26, null).decode(frame(blobs, file, Map.of())).input();
        FloatImage linear = ExrReader.readImage(file).select(List.of("R", "G", "B")); // the file stores B, G, R
        assertThat(exr.sceneLinear()).isTrue();
        assertSamePixels(exr.image(), linear);
        assertThat(exr.in(InputEncoding.DEFAULT)).as("made once, then shared by every model with that encoding")
                .isSameAs(exr.in(InputEncoding.DEFAULT));
        assertSamePixels(exr.in(InputEncoding.DEFAULT), InputEncoding.DEFAULT.encode(linear));
        assertSamePixels(exr.in(ACESCG_LINEAR), ACESCG_LINEAR.encode(linear));

        // a display-referred frame: as it is for an sRGB/Rec.709 model; decoded (sRGB EOTF), converted and given the
        // model's transfer for another
        Path png = dir.resolve("beauty.png");
        Files.write(png, ImageFiles.encode(InputEncoding.DEFAULT.encode(linear), ImageFormat.PNG, RasterOptions.DEFAULT));
        ModelInput display = new FrameDecoder(blobs, 1L << 26, null).decode(frame(blobs, png, Map.of())).input();
        FloatImage pixels = ImageFiles.read(png);
        assertThat(display.sceneLinear()).isFalse();
        assertSamePixels(display.in(InputEncoding.DEFAULT), InputEncoding.colour(pixels, "png"));
        assertSamePixels(display.in(ACESCG_LINEAR), ACESCG_LINEAR.encodeDisplay(pixels));
    }

    @Test
    void aNonFinitePixelIsPoisonWhateverTheModelsEncoding() throws Exception {
        FloatImage img = FloatImage.blank(4, 4, List.of("R", "G", "B"));
        img.plane("G")[5] = Float.NaN;
        Path file = dir.resolve("nan.exr");
        ExrWriter.write(file, img, ExrWriteOptions.defaults());
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        assertThatThrownBy(() -> new FrameDecoder(blobs, 1L << 26, null).decode(frame(blobs, file, Map.of())))
                .isInstanceOf(PoisonFrameException.class)
                .hasMessageContaining("x=1, y=1")
                .satisfies(e -> assertThat(((PoisonFrameException) e).reason()).isEqualTo("unusable-pixels"));
    }

    static void assertSamePixels(FloatImage got, FloatImage want) {
        assertThat(got.width()).isEqualTo(want.width());
        assertThat(got.height()).isEqualTo(want.height());
        assertThat(got.channels()).isEqualTo(List.of("R", "G", "B"));
        for (int c = 0; c < 3; c++) {
            float[] g = got.planes()[c], w = want.planes()[c];
            for (int i = 0; i < g.length; i++) {
                assertThat(g[i]).as("channel %d at x=%d y=%d", c, i % got.width(), i / got.width()).isEqualTo(w[i]);
            }
        }
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
