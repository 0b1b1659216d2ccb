package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Write → read is bit-exact for every lossless compression and sample type, on awkward sizes and windows. */
class ExrRoundTripTest {
    static final Compression[] LOSSLESS = {Compression.NONE, Compression.RLE, Compression.ZIPS, Compression.ZIP,
            Compression.PIZ, Compression.PXR24};

    /** Every one of the 65536 half bit patterns (NaNs and infinities included), plus a smooth ramp and noise. */
    static FloatImage allHalfs() {
        FloatImage img = FloatImage.blank(256, 256, List.of("R", "G", "B"));
        Random rnd = new Random(1);
        for (int i = 0; i < 65536; i++) {
            img.planes()[0][i] = Half.toFloat(i);
            img.planes()[1][i] = Half.round((i % 256) / 255f * (i / 256) / 16f);
            img.planes()[2][i] = Half.toFloat(rnd.nextInt(0x7c00));
        }
        return img;
    }

    /** Random float bit patterns of every kind, a smooth field, and zeros: both compressible and incompressible data. */
    static FloatImage floats(int w, int h, long seed) {
        FloatImage img = FloatImage.blank(w, h, List.of("Z", "albedo.R", "zero"));
        Random rnd = new Random(seed);
        for (int i = 0; i < w * h; i++) {
            img.planes()[0][i] = Float.intBitsToFloat(rnd.nextInt());
            img.planes()[1][i] = (float) Math.sin(i * 0.01) * 3.7f;
        }
        img.planes()[0][0] = Float.NaN;
        if (w * h > 3) {
            img.planes()[0][1] = Float.NEGATIVE_INFINITY;
            img.planes()[0][2] = Float.MIN_VALUE;
            img.planes()[0][3] = -0f;
        }
        return img;
    }

    static void assertBitExact(FloatImage actual, FloatImage expected) {
        assertThat(actual.width()).isEqualTo(expected.width());
        assertThat(actual.height()).isEqualTo(expected.height());
        for (String c : expected.channels()) {
            float[] a = actual.plane(c);
            float[] e = expected.plane(c);
            for (int i = 0; i < e.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(e[i])) {
                    throw new AssertionError("channel " + c + " pixel " + i + ": " + a[i] + " (bits "
                            + Integer.toHexString(Float.floatToRawIntBits(a[i])) + ") != " + e[i] + " (bits "
                            + Integer.toHexString(Float.floatToRawIntBits(e[i])) + ")");
                }
            }
        }
    }

    private static FloatImage roundTrip(FloatImage img, ExrWriteOptions o) throws Exception {
        byte[] bytes = ExrWriter.encode(img, o);
        ExrImage exr = ExrReader.read(bytes, "roundtrip.exr", ExrLimits.DEFAULT);
        assertThat(exr.parts()).hasSize(1);
        ExrHeader h = exr.parts().get(0).header();
        assertThat(h.compression()).isEqualTo(o.compression());
        assertThat(h.dataWindow()).isEqualTo(Box2i.ofSize(o.originX(), o.originY(), img.width(), img.height()));
        return exr.parts().get(0).image();
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24"})
    void everyHalfValueSurvivesEveryCompression(Compression c) throws Exception {
        FloatImage img = allHalfs();
        assertBitExact(roundTrip(img, ExrWriteOptions.defaults().compression(c)), img);
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"NONE", "RLE", "ZIPS", "ZIP", "PIZ"})
    void floatBitsSurviveLosslessCompressions(Compression c) throws Exception {
        // odd sizes so chunks end mid-block, and a data window at a negative origin
        for (int[] size : new int[][] {{67, 45}, {1, 1}, {1, 70}, {130, 3}}) {
            FloatImage img = floats(size[0], size[1], size[0] * 31L + size[1]);
            ExrWriteOptions o = ExrWriteOptions.lossless(c).dataOrigin(-17, 5);
            assertBitExact(roundTrip(img, o), img);
        }
    }

    @Test
    void pxr24RoundsFloatsTo24BitsAndKeepsHalfsAndUints() throws Exception {
        FloatImage img = floats(61, 33, 7);
        FloatImage back = roundTrip(img, ExrWriteOptions.lossless(Compression.PXR24).pixelType("zero", PixelType.UINT));
        for (int i = 0; i < img.planes()[0].length; i++) {
            for (int c = 0; c < 2; c++) {
                int expected = Pxr24Codec.floatToFloat24(Float.floatToRawIntBits(img.planes()[c][i])) << 8;
                assertThat(Float.floatToRawIntBits(back.planes()[c][i])).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24"})
    void uintSamplesAndMixedTypesInOnePart(Compression c) throws Exception {
        FloatImage img = FloatImage.blank(40, 19, List.of("id", "R", "Z"));
        Random rnd = new Random(3);
        for (int i = 0; i < 40 * 19; i++) {
            img.planes()[0][i] = rnd.nextInt(1 << 24);
            img.planes()[1][i] = Half.round(rnd.nextFloat());
            img.planes()[2][i] = rnd.nextFloat() * 1000;
        }
        ExrWriteOptions o = ExrWriteOptions.defaults().compression(c).pixelType("id", PixelType.UINT)
                .pixelType("Z", PixelType.FLOAT);
        FloatImage back = roundTrip(img, o);
        assertThat(back.plane("id")).containsExactly(img.plane("id"));
        assertThat(back.plane("R")).containsExactly(img.plane("R"));
        if (c != Compression.PXR24) assertThat(back.plane("Z")).containsExactly(img.plane("Z"));
    }

    @Test
    void channelsComeBackSortedByNameWithAttributes(@TempDir Path dir) throws Exception {
        FloatImage img = FloatImage.blank(8, 4, List.of("R", "A", "albedo.B", "B", "G"));
        img.set(1, 3, 2, 0.5f);
        Path f = dir.resolve("sorted.exr");
        ExrWriter.write(f, img, ExrWriteOptions.defaults().attribute("prism.shot", "sh010").attribute("frame", 12)
                .chromaticities(Chromaticities.REC709));
        assertThat(Files.list(dir)).containsExactly(f); // the temporary file was renamed away
        ExrImage exr = ExrReader.read(f);
        ExrHeader h = exr.parts().get(0).header();
        assertThat(h.channels()).extracting(ExrChannel::name).containsExactly("A", "B", "G", "R", "albedo.B");
        assertThat(h.string("prism.shot")).contains("sh010");
        assertThat(h.attribute("frame").orElseThrow().value()).isEqualTo(12);
        assertThat(h.chromaticities()).contains(Chromaticities.REC709);
        assertThat(h.lineOrder()).isEqualTo(LineOrder.INCREASING_Y);
        assertThat(exr.parts().get(0).image().get(0, 3, 2)).isEqualTo(0.5f);
    }

    @Test
    void longChannelAndAttributeNamesSetTheLongNamesFlag() throws Exception {
        String name = "a.very.long.layer.name.beyond.thirty.one.bytes.R";
        FloatImage img = FloatImage.blank(3, 3, List.of(name));
        byte[] b = ExrWriter.encode(img, ExrWriteOptions.defaults().attribute("an.attribute.name.longer.than.31.bytes", "x"));
        assertThat(b[5] & 0x04).isEqualTo(0x04);
        assertThat(ExrReader.read(b, "long.exr", ExrLimits.DEFAULT).parts().get(0).image().channels()).containsExactly(name);
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"ZIP", "PIZ", "RLE"})
    void parallelCodingGivesTheSameFileAndPixelsAsSerial(Compression c) throws Exception {
        FloatImage img = floats(520, 211, 11);
        ExrWriteOptions o = ExrWriteOptions.lossless(c);
        byte[] serial = ExrWriter.encode(img, o.threads(1));
        byte[] parallel = ExrWriter.encode(img, o.threads(4));
        assertThat(parallel).isEqualTo(serial);
        FloatImage one = ExrReader.read(serial, "serial.exr", ExrLimits.DEFAULT.withMaxThreads(1)).parts().get(0).image();
        FloatImage four = ExrReader.read(serial, "parallel.exr", ExrLimits.DEFAULT.withMaxThreads(4)).parts().get(0).image();
        assertBitExact(one, img);
        assertBitExact(four, img);
    }
}
