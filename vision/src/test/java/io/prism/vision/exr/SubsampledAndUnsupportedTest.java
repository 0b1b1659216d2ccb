package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Subsampled channels (luminance/chroma files) are read and replicated to full resolution; unsupported features are
 * refused with messages that name the feature, the part and the file.
 */
class SubsampledAndUnsupportedTest {

    /** A scanline file with Y at full resolution and RY, BY sampled 2×2; samples are their own (x, y) coded. */
    static byte[] lumaChroma(Compression comp, int ox, int oy, int w, int h) {
        ExrChannel[] ch = {new ExrChannel("BY", PixelType.HALF, false, 2, 2), new ExrChannel("RY", PixelType.FLOAT, false, 2, 2),
                new ExrChannel("Y", PixelType.HALF, false, 1, 1)};
        Box2i dw = Box2i.ofSize(ox, oy, w, h);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        Attributes.putInt(head, ExrWriter.MAGIC);
        Attributes.putInt(head, 2);
        for (ExrAttribute a : List.of(new ExrAttribute("channels", "chlist", List.of(ch), null),
                new ExrAttribute("compression", "compression", comp, null),
                new ExrAttribute("dataWindow", "box2i", dw, null),
                new ExrAttribute("displayWindow", "box2i", dw, null),
                new ExrAttribute("lineOrder", "lineOrder", LineOrder.INCREASING_Y, null),
                new ExrAttribute("pixelAspectRatio", "float", 1f, null),
                new ExrAttribute("screenWindowCenter", "v2f", new float[] {0, 0}, null),
                new ExrAttribute("screenWindowWidth", "float", 1f, null))) {
            byte[] v = Attributes.encode(a);
            head.writeBytes(a.name().getBytes(StandardCharsets.US_ASCII));
            head.write(0);
            head.writeBytes(a.type().getBytes(StandardCharsets.US_ASCII));
            head.write(0);
            Attributes.putInt(head, v.length);
            head.writeBytes(v);
        }
        head.write(0);
        int lpc = comp.linesPerChunk();
        int n = (h + lpc - 1) / lpc;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long[] offsets = new long[n];
        long base = head.size() + 8L * n;
        try (ChunkCodec codec = ChunkCodec.create(comp, 4)) {
            for (int i = 0; i < n; i++) {
                int y0 = oy + i * lpc;
                int y1 = Math.min(oy + h - 1, y0 + lpc - 1);
                Block b = new Block(ox, y0, ox + w - 1, y1, ch);
                byte[] raw = new byte[(int) b.rawSize()];
                int p = 0;
                for (int y = y0; y <= y1; y++) {
                    for (int c = 0; c < ch.length; c++) {
                        if (!b.sampledRow(c, y)) continue;
                        for (int x = ox; x <= ox + w - 1; x += ch[c].xSampling()) {
                            float v = value(ch[c].name(), x, y);
                            if (ch[c].type() == PixelType.HALF) {
                                short s = Half.fromFloat(v);
                                raw[p++] = (byte) s;
                                raw[p++] = (byte) (s >> 8);
                            } else {
                                ExrWriter.putInt(raw, p, Float.floatToRawIntBits(v));
                                p += 4;
                            }
                        }
                    }
                }
                assertThat(p).isEqualTo(raw.length);
                int len = codec.compress(raw, raw.length, b);
                byte[] data = len < raw.length ? java.util.Arrays.copyOf(codec.output(), len) : raw;
                offsets[i] = base + body.size();
                byte[] hdr = new byte[8];
                ExrWriter.putInt(hdr, 0, y0);
                ExrWriter.putInt(hdr, 4, data.length);
                body.writeBytes(hdr);
                body.writeBytes(data);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toByteArray());
        byte[] table = new byte[8 * n];
        for (int i = 0; i < n; i++) ExrWriter.putLong(table, 8 * i, offsets[i]);
        out.writeBytes(table);
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** The sample value written at absolute (x, y): small integers, exact in HALF. */
    static float value(String channel, int x, int y) {
        return (channel.equals("Y") ? 0 : channel.equals("RY") ? 1000 : 2000) + (x + 20) + 0.25f * (y + 20);
    }

    @Test
    void subsampledChannelsAreReplicatedToFullResolution() throws Exception {
        for (Compression comp : ExrRoundTripTest.LOSSLESS) {
            byte[] file = lumaChroma(comp, -4, 6, 14, 38);
            ExrPart part = ExrReader.read(file, "lc-" + comp + ".exr", ExrLimits.DEFAULT).parts().get(0);
            assertThat(part.header().channels()).extracting(ExrChannel::xSampling).containsExactly(2, 2, 1);
            FloatImage img = part.image();
            assertThat(img.width()).isEqualTo(14);
            assertThat(img.height()).isEqualTo(38);
            for (int y = 0; y < 38; y++) {
                for (int x = 0; x < 14; x++) {
                    int ax = x - 4, ay = y + 6;
                    int sx = Math.floorDiv(ax, 2) * 2, sy = Math.floorDiv(ay, 2) * 2;
                    assertThat(img.get(img.indexOf("Y"), x, y)).as(comp + " Y").isEqualTo(value("Y", ax, ay));
                    assertThat(img.get(img.indexOf("RY"), x, y)).as(comp + " RY").isEqualTo(value("RY", sx, sy));
                    assertThat(img.get(img.indexOf("BY"), x, y)).as(comp + " BY").isEqualTo(Half.round(value("BY", sx, sy)));
                }
            }
        }
    }

    @Test
    void samplingThatDoesNotDivideTheDataWindowIsRejected() {
        byte[] file = lumaChroma(Compression.NONE, -3, 6, 14, 38); // odd origin with 2x2 sampling
        assertThatThrownBy(() -> ExrReader.read(file, "odd.exr", ExrLimits.DEFAULT))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("does not divide the data window")
                .hasMessageContaining("odd.exr");
    }

    /** Patches the compression attribute's value byte of a file Prism wrote. */
    private static byte[] withCompressionCode(byte[] file, int code) {
        byte[] marker = "compression\0compression\0".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < file.length - marker.length; i++) {
            if (java.util.Arrays.equals(file, i, i + marker.length, marker, 0, marker.length)) {
                byte[] copy = file.clone();
                copy[i + marker.length + 4] = (byte) code;
                return copy;
            }
        }
        throw new AssertionError("no compression attribute");
    }

    @Test
    void unknownCompressionsAndDeepDataAreNamed() {
        FloatImage img = FloatImage.blank(8, 8, List.of("R", "G", "B"));
        byte[] file = ExrWriter.encode(img, ExrWriteOptions.defaults().compression(Compression.NONE));
        assertThatThrownBy(() -> ExrReader.read(withCompressionCode(file, 42), "bar.exr", ExrLimits.DEFAULT))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("unknown compression code 42")
                .hasMessageContaining("bar.exr");
        byte[] deep = file.clone();
        deep[5] |= 0x08; // version flag 0x800: deep data
        assertThatThrownBy(() -> ExrReader.read(deep, "deep.exr", ExrLimits.DEFAULT))
                .isInstanceOf(ImageFormatException.class).hasMessage("unsupported: deep data (deepscanline) of deep.exr");
        // a part name makes it into the message (here: ZIP data labelled DWAB)
        byte[] named = ExrWriter.encode(img, ExrWriteOptions.defaults().attribute("name", "rgba"));
        assertThatThrownBy(() -> ExrReader.read(withCompressionCode(named, Compression.DWAB.code()), "foo.exr", ExrLimits.DEFAULT))
                .hasMessageStartingWith("corrupt DWAB data in chunk 0: ").hasMessageEndingWith(" in part 'rgba' of foo.exr");
    }
}
