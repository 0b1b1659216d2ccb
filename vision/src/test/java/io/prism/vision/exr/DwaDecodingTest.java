package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DWAA/DWAB decoding against libOpenEXR. oiiotool (OpenImageIO 2.4 on OpenEXR 3.1) compresses images at test time and
 * decodes the result back to an uncompressed file; Prism's decode of the DWA file must equal libOpenEXR's in every
 * bit. The codec is lossy, so each case also checks that the decoded pixels are not simply the source's.
 */
class DwaDecodingTest {
    private static final List<String> SYNTHETIC_TYPES = List.of("-d", "half", "-d", "diffuse.R=float", "-d",
            "diffuse.G=float", "-d", "diffuse.B=float", "-d", "mask.A=float", "-d", "id=uint", "-d", "P.x=float");

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({
            "ScanLines/Carrots.exr, dwaa:45",            // R,G,B,A 600x400
            "ScanLines/Desk.exr, dwab:45",               // 644x874: edge blocks in x and y, four 256-line chunks
            "Tiles/GoldenGate.exr, dwaa:45",             // tiled 128x128, partial edge tiles
            "Beachball/singlepart.0001.exr, dwab:45"})   // 20 channels: two R,G,B,A layers, Z, vectors, masks
    void sharedImagesDecodeBitIdenticalToLibOpenExr(String image, String compression, @TempDir Path dir) throws Exception {
        Path source = TestData.openexrDir().resolve(image);
        assumeTrue(Files.isRegularFile(source), image + " not in the shared test images");
        needsOiiotool();
        Path dwa = dir.resolve("dwa.exr");
        Path decoded = dir.resolve("decoded.exr");
        OiiotoolInteropTest.run(List.of("oiiotool", source.toString(), "--compression", compression, "-o", dwa.toString()));
        OiiotoolInteropTest.run(List.of("oiiotool", dwa.toString(), "--compression", "none", "-o", decoded.toString()));
        ExrPart part = ExrReader.read(dwa).parts().get(0);
        assertThat(part.header().compression().name()).isEqualToIgnoringCase(compression.substring(0, 4));
        assertSameBits(part.image(), ExrReader.read(decoded).parts().get(0).image());
        assertLossy(part.image(), ExrReader.read(source).parts().get(0).image(), "R");
    }

    /**
     * Channels that are not an R,G,B triple and every sample type, at an odd size and a shifted origin: Y/RY/BY
     * (lossy, one by one), a FLOAT R,G,B layer (lossy from halves), HALF and FLOAT alpha (RLE), UINT and FLOAT data
     * (zlib); DWAB at a coarse level so many blocks keep only their first rows of coefficients.
     */
    @ParameterizedTest
    @CsvSource({"dwaa:45", "dwab:300"})
    void everyChannelKindDecodesBitIdenticalToLibOpenExr(String compression, @TempDir Path dir) throws Exception {
        needsOiiotool();
        Path source = dir.resolve("source.exr");
        Path dwa = dir.resolve("dwa.exr");
        Path decoded = dir.resolve("decoded.exr");
        FloatImage src = synthetic();
        ExrWriter.write(source, src, syntheticOptions());
        List<String> compress = new ArrayList<>(List.of("oiiotool", source.toString()));
        compress.addAll(SYNTHETIC_TYPES);
        compress.addAll(List.of("--compression", compression, "-o", dwa.toString()));
        OiiotoolInteropTest.run(compress);
        List<String> decode = new ArrayList<>(List.of("oiiotool", dwa.toString()));
        decode.addAll(SYNTHETIC_TYPES);
        decode.addAll(List.of("--compression", "none", "-o", decoded.toString()));
        OiiotoolInteropTest.run(decode);

        ExrPart part = ExrReader.read(dwa).parts().get(0);
        assertThat(part.header().dataWindow()).isEqualTo(new Box2i(-5, 3, 31, 31));
        assertThat(part.header().channels()).extracting(ExrChannel::type).containsExactly(PixelType.HALF, PixelType.HALF,
                PixelType.FLOAT, PixelType.HALF, PixelType.HALF, PixelType.FLOAT, PixelType.FLOAT, PixelType.FLOAT,
                PixelType.UINT, PixelType.FLOAT); // A BY P.x RY Y diffuse.B/G/R id mask.A
        assertSameBits(part.image(), ExrReader.read(decoded).parts().get(0).image());
        assertLossy(part.image(), src, "Y");
        assertLossy(part.image(), src, "diffuse.R");
        // lossless kinds come back exactly
        for (String c : List.of("A", "mask.A", "id", "P.x")) {
            assertThat(part.image().plane(c)).as(c).containsExactly(halfOrSame(src, c));
        }
    }

    /** The same layout from a committed file (src/test/resources/dwa, made by oiiotool), so CI without oiiotool checks it. */
    @Test
    void committedDwaaFileDecodesToLibOpenExrsValues() throws Exception {
        ExrPart part = ExrReader.read(resource("dwaa-small.exr"), "dwaa-small.exr", ExrLimits.DEFAULT).parts().get(0);
        ExrPart expected = ExrReader.read(resource("dwaa-small-decoded.exr"), "dwaa-small-decoded.exr", ExrLimits.DEFAULT).parts().get(0);
        assertThat(part.header().compression()).isEqualTo(Compression.DWAA);
        assertThat(expected.header().compression()).isEqualTo(Compression.ZIP);
        assertSameBits(part.image(), expected.image());
        assertLossy(part.image(), synthetic(), "Y");
    }

    /** Broken DWA chunks are refused with one line naming the file, chunk and problem; nothing else escapes. */
    @Test
    void damagedDwaDataIsRefusedWithAOneLineError() throws Exception {
        byte[] file = resource("dwaa-small.exr");
        int data = firstChunkData(file);
        assertThat(ByteBuffer.wrap(file, data, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()).as("DWA version").isEqualTo(2);
        refused(withLong(file, data, 3), "corrupt DWAA data in chunk 0: unknown DWA data version 3");
        refused(withLong(file, data + 8, -1), "negative size");
        refused(withLong(file, data + 16, 1L << 40), "DWA sections are larger than the chunk");
        refused(withLong(file, data + 64, 1L << 20), "exceeds 63 per block");
        refused(withLong(file, data + 72, ByteBuffer.wrap(file, data + 72, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() + 1), "DC count");
        refused(withLong(file, data + 80, 7), "unknown DWA AC compression 7");
        byte[] rules = file.clone();
        rules[data + 88] = (byte) 0xff;
        rules[data + 89] = (byte) 0xff;
        refused(rules, "channel rules of 65535 bytes do not fit the chunk");

        for (int len = data; len < file.length; len += 37) refused(Arrays.copyOf(file, len), "dwa-damaged.exr");
        Random rnd = new Random(15);
        int rejected = 0;
        for (int i = 0; i < 400; i++) {
            byte[] b = file.clone();
            for (int k = 0; k < 1 + rnd.nextInt(6); k++) b[data + rnd.nextInt(file.length - data)] = (byte) rnd.nextInt(256);
            try {
                ExrReader.read(b, "dwa-fuzz.exr", ExrLimits.DEFAULT);
            } catch (ImageFormatException e) {
                assertThat(e.getMessage()).contains("dwa-fuzz.exr").doesNotContain("\n");
                rejected++;
            }
        }
        // flips inside coefficient values decode to other pixels; flips in sizes, codes and zlib streams must not
        assertThat(rejected).isGreaterThan(100);
    }

    private static void refused(byte[] file, String message) {
        assertThatThrownBy(() -> ExrReader.read(file, "dwa-damaged.exr", ExrLimits.DEFAULT))
                .isInstanceOf(ImageFormatException.class)
                .hasMessageContaining(message).hasMessageContaining("dwa-damaged.exr")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /** Offset of the first chunk's data in a single-part scanline file (after its y and size fields). */
    private static int firstChunkData(byte[] f) {
        int p = 8;
        while (f[p] != 0) {
            while (f[p] != 0) p++; // name
            p++;
            while (f[p] != 0) p++; // type
            p++;
            p += 4 + ByteBuffer.wrap(f, p, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }
        long chunk = ByteBuffer.wrap(f, p + 1, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return (int) chunk + 8;
    }

    private static byte[] withLong(byte[] file, int at, long v) {
        byte[] b = file.clone();
        ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        return b;
    }

    private static void assertSameBits(FloatImage actual, FloatImage expected) {
        assertThat(actual.width()).isEqualTo(expected.width());
        assertThat(actual.height()).isEqualTo(expected.height());
        assertThat(actual.channels()).containsExactlyElementsOf(expected.channels());
        for (String c : expected.channels()) {
            float[] a = actual.plane(c), e = expected.plane(c);
            int differing = 0, first = -1;
            for (int i = 0; i < e.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(e[i])) {
                    if (first < 0) first = i;
                    differing++;
                }
            }
            int f = first;
            assertThat(differing).as(() -> "samples of %s differing from libOpenEXR (first at %d,%d: %s, expected %s)"
                    .formatted(c, f % expected.width(), f / expected.width(), a[f], e[f])).isZero();
        }
    }

    /** The decoded channel differs from the source somewhere: the lossy path ran, the comparison was not trivial. */
    private static void assertLossy(FloatImage decoded, FloatImage source, String channel) {
        float[] d = decoded.plane(channel), s = source.plane(channel);
        int differing = 0;
        for (int i = 0; i < d.length; i++) {
            if (d[i] != Half.round(s[i])) differing++;
        }
        assertThat(differing).as("samples of %s changed by the lossy codec", channel).isGreaterThan(0);
    }

    private static float[] halfOrSame(FloatImage src, String channel) {
        float[] p = src.plane(channel).clone();
        if (channel.equals("A")) for (int i = 0; i < p.length; i++) p[i] = Half.round(p[i]);
        return p;
    }

    /**
     * 37×29 test layout (also the source of the committed dwaa-small.exr): a flat corner (DC-only blocks), smooth and
     * noisy regions, values above 1 (the log branch of DWA's curve) and below 0.
     */
    static FloatImage synthetic() {
        int w = 37, h = 29;
        FloatImage img = FloatImage.blank(w, h, List.of("Y", "RY", "BY", "diffuse.R", "diffuse.G", "diffuse.B", "A", "mask.A", "id", "P.x"));
        Random r = new Random(5);
        float[][] p = img.planes();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                boolean flat = x < 16 && y < 8;
                p[0][i] = flat ? 0.5f : (float) (0.5 + 0.4 * Math.sin(x * 0.7) * Math.cos(y * 0.3) + 0.05 * r.nextGaussian());
                p[1][i] = flat ? 0f : (float) (0.1 * Math.sin(x * 0.2 + y * 0.1));
                p[2][i] = flat ? 0f : (float) (-0.1 * Math.cos(x * 0.15));
                p[3][i] = flat ? 2f : (float) (x / (double) w * 3 + ((x / 3 + y / 3) % 2 == 0 ? 0.8 : 0));
                p[4][i] = flat ? 2f : (float) (y / (double) h + 0.3 * r.nextGaussian());
                p[5][i] = flat ? 2f : (float) (-0.2 + 40 * Math.exp(-((x - 20) * (x - 20) + (y - 15) * (y - 15)) / 30.0));
                p[6][i] = x < 20 ? 1f : (float) (y / (double) h);
                p[7][i] = (x + y) % 5 == 0 ? 0.123456f : 1f;
                p[8][i] = (x * 7 + y * 13) % 1000;
                p[9][i] = (float) (x * 0.001 - y * 1234.5);
            }
        }
        return img;
    }

    private static ExrWriteOptions syntheticOptions() {
        ExrWriteOptions o = ExrWriteOptions.defaults().compression(Compression.NONE).dataOrigin(-5, 3);
        for (String c : List.of("diffuse.R", "diffuse.G", "diffuse.B", "mask.A", "P.x")) o = o.pixelType(c, PixelType.FLOAT);
        return o.pixelType("id", PixelType.UINT);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DwaDecodingTest.class.getResourceAsStream("/dwa/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static void needsOiiotool() {
        boolean present;
        try {
            present = OiiotoolInteropTest.run(List.of("oiiotool", "--version")).contains(".");
        } catch (IOException e) {
            present = false;
        }
        assumeTrue(present, "oiiotool (openimageio-tools) not installed");
    }
}
