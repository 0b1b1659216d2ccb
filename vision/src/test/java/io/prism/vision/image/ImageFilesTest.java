package io.prism.vision.image;

import io.prism.vision.ImageFormatException;
import io.prism.vision.exr.Half;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Format sniffing and PNG/TIFF/JPEG/EXR round trips through ImageFiles. */
class ImageFilesTest {

    static FloatImage quantised(int w, int h, List<String> channels, int levels) {
        FloatImage img = FloatImage.blank(w, h, channels);
        for (int c = 0; c < channels.size(); c++) {
            float[] p = img.planes()[c];
            for (int i = 0; i < p.length; i++) p[i] = ((i * 7919L + c * 104729L) % (levels + 1)) / (float) levels;
        }
        return img;
    }

    @Test
    void pngAndTiffRoundTripExactlyAt8And16Bits(@TempDir Path dir) throws Exception {
        for (String ext : List.of("png", "tif")) {
            for (int bits : new int[] {8, 16}) {
                int levels = bits == 8 ? 255 : 65535;
                for (List<String> ch : List.of(List.of("R", "G", "B", "A"), List.of("R", "G", "B"), List.of("Y"), List.of("Y", "A"))) {
                    FloatImage img = quantised(37, 23, ch, levels);
                    Path f = dir.resolve("img-" + bits + "-" + ch.size() + "." + ext);
                    ImageFiles.write(f, img, new RasterOptions(bits, 0.9f));
                    FloatImage back = ImageFiles.read(f);
                    assertThat(back.channels()).as(f.toString()).isEqualTo(ch);
                    for (String c : ch) assertThat(back.plane(c)).as(f + " " + c).containsExactly(img.plane(c));
                }
            }
        }
    }

    @Test
    void rasterWritesClampDisplayValues(@TempDir Path dir) throws Exception {
        FloatImage img = new FloatImage(4, 1, List.of("Y"), new float[][] {{-1f, 2f, Float.NaN, 0.5f}});
        Path f = dir.resolve("clamped.png");
        ImageFiles.write(f, img);
        assertThat(ImageFiles.read(f).plane("Y")).containsExactly(0f, 1f, 0f, 128 / 255f);
    }

    @Test
    void jpegIsApproximateAndDropsAlpha(@TempDir Path dir) throws Exception {
        FloatImage img = FloatImage.blank(32, 32, List.of("R", "G", "B", "A"));
        for (int i = 0; i < 32 * 32; i++) {
            img.planes()[0][i] = 0.8f;
            img.planes()[1][i] = 0.4f;
            img.planes()[2][i] = 0.1f;
            img.planes()[3][i] = 1f;
        }
        Path f = dir.resolve("preview.jpg");
        ImageFiles.write(f, img);
        FloatImage back = ImageFiles.read(f);
        assertThat(back.channels()).containsExactly("R", "G", "B");
        assertThat(back.get(0, 16, 16)).isCloseTo(0.8f, within(0.03f));
        assertThat(back.get(2, 16, 16)).isCloseTo(0.1f, within(0.03f));
    }

    @Test
    void exrByExtensionAndContentSniffing(@TempDir Path dir) throws Exception {
        FloatImage img = FloatImage.blank(5, 4, List.of("R", "G", "B"));
        img.set(1, 2, 3, 1.5f);
        Path exr = dir.resolve("frame.exr");
        ImageFiles.write(exr, img);
        assertThat(ImageFiles.sniff(exr)).isEqualTo(ImageFormat.EXR);
        assertThat(ImageFiles.read(exr).get(1, 2, 3)).isEqualTo(Half.round(1.5f));
        assertThat(ImageFiles.requireExr(exr).channels()).containsExactly("B", "G", "R");

        // a PNG renamed .exr: read() goes by content, requireExr() says what it really is
        Path png = dir.resolve("real.png");
        ImageFiles.write(png, img);
        Path fake = dir.resolve("fake.exr");
        Files.copy(png, fake);
        assertThat(ImageFiles.read(fake).channels()).containsExactly("R", "G", "B");
        assertThatThrownBy(() -> ImageFiles.requireExr(fake)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("fake.exr").hasMessageContaining("not an OpenEXR file").hasMessageContaining("PNG");
        assertThatThrownBy(() -> ImageFiles.requireExr(Files.readAllBytes(fake), "upload.exr"))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("upload.exr");
    }

    @Test
    void garbageAndTruncatedRastersGiveClearErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ImageFiles.read("hello world".getBytes(), "notes.txt"))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("notes.txt")
                .hasMessageContaining("not a supported image");
        byte[] png = ImageFiles.encode(quantised(64, 64, List.of("R", "G", "B"), 255), ImageFormat.PNG, RasterOptions.DEFAULT);
        byte[] cut = java.util.Arrays.copyOf(png, png.length / 2);
        assertThatThrownBy(() -> ImageFiles.read(cut, "cut.png")).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("cut.png");
        assertThatThrownBy(() -> ImageFiles.write(dir.resolve("x.bmp"), quantised(2, 2, List.of("Y"), 255)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void layeredImagesNeedAChoiceOfDisplayChannels() {
        FloatImage img = FloatImage.blank(2, 2, List.of("albedo.R", "albedo.G", "albedo.B", "Z", "N.x"));
        assertThatThrownBy(() -> ImageFiles.encode(img, ImageFormat.PNG, RasterOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("select");
        byte[] ok = ImageFiles.encode(img.select(List.of("albedo.R", "albedo.G", "albedo.B")).rename(List.of("R", "G", "B")),
                ImageFormat.PNG, RasterOptions.DEFAULT);
        assertThat(ImageFormat.sniff(ok, ok.length)).isEqualTo(ImageFormat.PNG);
    }
}
