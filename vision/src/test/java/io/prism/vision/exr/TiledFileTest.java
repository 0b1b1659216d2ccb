package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tiled files in every level mode and rounding mode, every compression, odd sizes and shifted data windows, with
 * the chunks stored in shuffled order: the reader must find level 0 through the offset table. The files are built
 * here, independently of the reader's own level arithmetic, and cross-checked with oiiotool when it is installed.
 */
class TiledFileTest {

    /** Number of levels along an axis, by repeated halving (independent of the reader's log2 helpers). */
    static int levels(int size, TileDescription.RoundingMode r) {
        int n = 1;
        int s = size;
        while (s > 1) {
            s = r == TileDescription.RoundingMode.ROUND_DOWN ? s / 2 : (s + 1) / 2;
            n++;
        }
        return n;
    }

    static int size(int full, int level, TileDescription.RoundingMode r) {
        int s = full;
        for (int i = 0; i < level; i++) s = r == TileDescription.RoundingMode.ROUND_DOWN ? s / 2 : (s + 1) / 2;
        return Math.max(1, s);
    }

    /** Builds a tiled single-part file; lower levels hold point-sampled copies of level 0. */
    static byte[] tiledFile(FloatImage img, int ox, int oy, TileDescription td, Compression comp, PixelType type) {
        ExrChannel[] ch = new ExrChannel[img.channelCount()];
        int[] order = ExrWriter.sortedChannels(img.channels());
        for (int i = 0; i < ch.length; i++) ch[i] = new ExrChannel(img.channels().get(order[i]), type);
        int w = img.width(), h = img.height();
        Box2i dw = Box2i.ofSize(ox, oy, w, h);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        Attributes.putInt(head, ExrWriter.MAGIC);
        Attributes.putInt(head, 2 | ExrReader.FLAG_TILED);
        List<ExrAttribute> attrs = List.of(
                new ExrAttribute("channels", "chlist", List.of(ch), null),
                new ExrAttribute("compression", "compression", comp, null),
                new ExrAttribute("dataWindow", "box2i", dw, null),
                new ExrAttribute("displayWindow", "box2i", dw, null),
                new ExrAttribute("lineOrder", "lineOrder", LineOrder.RANDOM_Y, null),
                new ExrAttribute("pixelAspectRatio", "float", 1f, null),
                new ExrAttribute("screenWindowCenter", "v2f", new float[] {0, 0}, null),
                new ExrAttribute("screenWindowWidth", "float", 1f, null),
                new ExrAttribute("tiles", "tiledesc", null, null));
        for (ExrAttribute a : attrs) {
            byte[] v = a.name().equals("tiles") ? tiledesc(td) : Attributes.encode(a);
            head.writeBytes(a.name().getBytes(StandardCharsets.US_ASCII));
            head.write(0);
            head.writeBytes(a.type().getBytes(StandardCharsets.US_ASCII));
            head.write(0);
            Attributes.putInt(head, v.length);
            head.writeBytes(v);
        }
        head.write(0);

        // levels in file order
        List<int[]> levelList = new ArrayList<>();
        TileDescription.RoundingMode r = td.roundingMode();
        switch (td.levelMode()) {
            case ONE_LEVEL -> levelList.add(new int[] {0, 0});
            case MIPMAP_LEVELS -> {
                for (int l = 0; l < levels(Math.max(w, h), r); l++) levelList.add(new int[] {l, l});
            }
            case RIPMAP_LEVELS -> {
                for (int ly = 0; ly < levels(h, r); ly++) for (int lx = 0; lx < levels(w, r); lx++) levelList.add(new int[] {lx, ly});
            }
        }
        List<byte[]> chunks = new ArrayList<>();
        try (ChunkCodec codec = ChunkCodec.create(comp, 4)) {
            for (int[] lv : levelList) {
                int lw = size(w, lv[0], r), lh = size(h, lv[1], r);
                int nx = (lw + td.xSize() - 1) / td.xSize(), ny = (lh + td.ySize() - 1) / td.ySize();
                for (int ty = 0; ty < ny; ty++) {
                    for (int tx = 0; tx < nx; tx++) {
                        int x0 = tx * td.xSize(), y0 = ty * td.ySize();
                        int x1 = Math.min(lw, x0 + td.xSize()) - 1, y1 = Math.min(lh, y0 + td.ySize()) - 1;
                        Block b = new Block(ox + x0, oy + y0, ox + x1, oy + y1, ch);
                        int rawLen = (int) b.rawSize();
                        byte[] raw = new byte[rawLen];
                        int p = 0;
                        for (int y = y0; y <= y1; y++) {
                            for (int c = 0; c < ch.length; c++) {
                                float[] plane = img.planes()[order[c]];
                                for (int x = x0; x <= x1; x++) {
                                    // level (lx, ly) pixel (x, y) samples level 0 at (x * w / lw, y * h / lh)
                                    float v = plane[(int) ((long) y * h / lh) * w + (int) ((long) x * w / lw)];
                                    if (type == PixelType.HALF) {
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
                        int n = codec.compress(raw, rawLen, b);
                        byte[] data = n < rawLen ? java.util.Arrays.copyOf(codec.output(), n) : raw;
                        byte[] chunk = new byte[20 + data.length];
                        ExrWriter.putInt(chunk, 0, tx);
                        ExrWriter.putInt(chunk, 4, ty);
                        ExrWriter.putInt(chunk, 8, lv[0]);
                        ExrWriter.putInt(chunk, 12, lv[1]);
                        ExrWriter.putInt(chunk, 16, data.length);
                        System.arraycopy(data, 0, chunk, 20, data.length);
                        chunks.add(chunk);
                    }
                }
            }
        }
        // store chunks in shuffled order; the offset table still lists them in canonical order
        List<Integer> storeOrder = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) storeOrder.add(i);
        Collections.shuffle(storeOrder, new java.util.Random(chunks.size()));
        long[] offsets = new long[chunks.size()];
        long pos = head.size() + 8L * chunks.size();
        for (int i : storeOrder) {
            offsets[i] = pos;
            pos += chunks.get(i).length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toByteArray());
        byte[] table = new byte[8 * chunks.size()];
        for (int i = 0; i < offsets.length; i++) ExrWriter.putLong(table, 8 * i, offsets[i]);
        out.writeBytes(table);
        for (int i : storeOrder) out.writeBytes(chunks.get(i));
        return out.toByteArray();
    }

    private static byte[] tiledesc(TileDescription td) {
        byte[] b = new byte[9];
        ExrWriter.putInt(b, 0, td.xSize());
        ExrWriter.putInt(b, 4, td.ySize());
        b[8] = (byte) (td.levelMode().ordinal() | td.roundingMode().ordinal() << 4);
        return b;
    }

    @Test
    void level0OfEveryLevelAndRoundingModeInEveryCompression(@TempDir Path dir) throws Exception {
        FloatImage img = ExrRoundTripTest.floats(45, 29, 3);
        // keep values representable as HALF too
        for (float[] p : img.planes()) for (int i = 0; i < p.length; i++) p[i] = Half.round(Float.isFinite(p[i]) ? p[i] % 1000 : 0);
        List<Path> files = new ArrayList<>();
        for (TileDescription.LevelMode mode : TileDescription.LevelMode.values()) {
            for (TileDescription.RoundingMode rounding : TileDescription.RoundingMode.values()) {
                for (Compression comp : ExrRoundTripTest.LOSSLESS) {
                    PixelType type = comp.ordinal() % 2 == 0 ? PixelType.HALF : PixelType.FLOAT;
                    TileDescription td = new TileDescription(16, 8, mode, rounding);
                    byte[] bytes = tiledFile(img, -7, 13, td, comp, type);
                    String name = "tiled-" + mode + "-" + rounding + "-" + comp + ".exr";
                    ExrImage exr = ExrReader.read(bytes, name, ExrLimits.DEFAULT);
                    ExrHeader h = exr.parts().get(0).header();
                    assertThat(h.tiles()).isEqualTo(td);
                    assertThat(h.dataWindow()).isEqualTo(Box2i.ofSize(-7, 13, 45, 29));
                    ExrRoundTripTest.assertBitExact(exr.parts().get(0).image(), img);
                    Path f = dir.resolve(name);
                    Files.write(f, bytes);
                    files.add(f);
                }
            }
        }
        crossCheckWithOiiotool(files, img);
    }

    /** The OpenEXR library (through oiiotool) accepts the built files and sees the same level 0. */
    private static void crossCheckWithOiiotool(List<Path> files, FloatImage img) throws IOException {
        try {
            OiiotoolInteropTest.run(List.of("oiiotool", "--version"));
        } catch (IOException e) {
            return; // not installed: the Prism-side checks above still ran
        }
        List<OiiotoolInteropTest.Seen> seen = OiiotoolInteropTest.dump(files, img.width(), img.height());
        for (int i = 0; i < files.size(); i++) {
            OiiotoolInteropTest.assertMatches(seen.get(i).pixels(), img, 0, "oiiotool reading " + files.get(i).getFileName());
        }
    }
}
