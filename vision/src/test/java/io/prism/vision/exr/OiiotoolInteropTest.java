package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Interoperability with the OpenEXR library through OpenImageIO's oiiotool (skipped when oiiotool is not installed):
 * files Prism writes read back in oiiotool with the same values, in every compression and sample type; and files
 * oiiotool writes (scanline and tiled, mip-mapped, shifted data windows, every compression) read in Prism with the
 * values they were made from.
 */
class OiiotoolInteropTest {
    private static final double PRINT_TOLERANCE = 0.5e-9 + 1e-15;
    private static final Pattern PIXEL = Pattern.compile("^\\s*Pixel \\((-?\\d+), (-?\\d+)\\):(.*)$");

    @BeforeAll
    static void needsOiiotool() {
        boolean present;
        try {
            present = run(List.of("oiiotool", "--version")).contains(".");
        } catch (IOException e) {
            present = false;
        }
        assumeTrue(present, "oiiotool (openimageio-tools) not installed");
    }

    static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timeout: " + cmd);
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        String s = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new IOException(cmd + " failed: " + s);
        return s;
    }

    /** A test image: smooth + random values, in a channel order that is not the sorted one. */
    static FloatImage source(int w, int h, long seed) {
        FloatImage img = FloatImage.blank(w, h, List.of("R", "G", "B", "A", "Z"));
        Random r = new Random(seed);
        for (int i = 0; i < w * h; i++) {
            img.planes()[0][i] = (float) Math.sin(i * 0.05) * 4;
            img.planes()[1][i] = r.nextFloat() * 200 - 100;
            img.planes()[2][i] = (i % w) / (float) w;
            img.planes()[3][i] = i % 3 == 0 ? 1f : 0.25f;
            img.planes()[4][i] = 1000 + r.nextFloat() * 10;
        }
        return img;
    }

    /** oiiotool's view of several files in one run (its start-up is slow): info text and pixels per file. */
    record Seen(String info, FloatImage pixels) {
    }

    /** Channels are named by oiiotool's "channel list" (it reorders them: R,G,B,A first, layers last). */
    static List<Seen> dump(List<Path> files, int w, int h) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("oiiotool", "--info", "-v", "--dumpdata"));
        files.forEach(f -> cmd.add(f.toString()));
        String out = run(cmd);
        List<Seen> seen = new ArrayList<>();
        StringBuilder info = null;
        List<String> channels = null;
        float[][] planes = null;
        int n = 0;
        for (String line : (out + "\nReading <end>").split("\n")) {
            if (line.startsWith("Reading ")) {
                if (info != null) {
                    assertThat(n).as("pixels dumped from file " + seen.size()).isEqualTo(w * h);
                    seen.add(new Seen(info.toString(), new FloatImage(w, h, channels, planes)));
                }
                info = new StringBuilder();
                channels = null;
                n = 0;
                continue;
            }
            Matcher m = PIXEL.matcher(line);
            if (m.matches()) {
                String[] v = m.group(3).trim().split("\\s+");
                for (int c = 0; c < channels.size(); c++) planes[c][n] = parse(v[c]);
                n++;
            } else if (info != null) {
                info.append(line).append('\n');
                String t = line.trim();
                if (t.startsWith("channel list:") && channels == null) {
                    // "R, G" or, with mixed sample types, "R (half), Z (float)"
                    channels = java.util.Arrays.stream(t.substring("channel list:".length()).trim().split(",\\s*"))
                            .map(x -> x.replaceAll(" \\([a-z0-9]+\\)$", "")).toList();
                    planes = new float[channels.size()][w * h];
                }
            }
        }
        assertThat(seen).hasSize(files.size());
        return seen;
    }

    /** oiiotool prints NaN and infinities as nan and inf. */
    static float parse(String s) {
        if (s.contains("nan")) return Float.NaN;
        if (s.contains("inf")) return s.startsWith("-") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        return Float.parseFloat(s);
    }

    static void assertMatches(FloatImage actual, FloatImage expected, double relTolerance, String what) {
        for (String c : expected.channels()) {
            float[] a = actual.plane(c);
            float[] e = expected.plane(c);
            for (int i = 0; i < e.length; i++) {
                // printed with 9 decimals, then parsed into a float: half a decimal unit plus one float ulp
                double tol = PRINT_TOLERANCE + Math.ulp(Math.abs(e[i])) + relTolerance * Math.abs(e[i]);
                // oiiotool 2.4 --dumpdata prints -inf as "inf": only infinity itself can be checked
                boolean same = Float.isNaN(e[i]) ? Float.isNaN(a[i]) : Float.isInfinite(e[i]) ? Float.isInfinite(a[i])
                        : Math.abs(a[i] - e[i]) <= tol;
                if (!same) {
                    throw new AssertionError(what + ": channel " + c + " pixel " + i + ": " + a[i] + " != " + e[i]);
                }
            }
        }
    }

    @Test
    void oiiotoolReadsWhatPrismWrites(@TempDir Path dir) throws Exception {
        FloatImage img = source(23, 19, 1);
        List<Path> files = new ArrayList<>();
        for (Compression c : ExrRoundTripTest.LOSSLESS) {
            for (PixelType t : new PixelType[] {PixelType.HALF, PixelType.FLOAT}) {
                Path f = dir.resolve("prism-" + c + "-" + t + ".exr");
                ExrWriter.write(f, img, ExrWriteOptions.defaults().compression(c).pixelType(t).dataOrigin(-3, 5)
                        .attribute("prism.frame", "0042"));
                files.add(f);
            }
        }
        List<Seen> seen = dump(files, 23, 19);
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            String name = f.getFileName().toString();
            // what Prism itself reads back is what the file holds (exact, see ExrRoundTripTest)
            assertMatches(seen.get(i).pixels(), ExrReader.readImage(f), 0, "oiiotool reading " + name);
            boolean half = name.contains("HALF");
            if (!name.contains("PXR24") || half) {
                assertMatches(seen.get(i).pixels(), img, half ? 1.0 / 2048 : 0, "against the source " + name);
            }
            String compression = name.split("-")[1].toLowerCase();
            assertThat(seen.get(i).info()).contains("prism.frame: \"0042\"").contains("pixel data origin: x=-3, y=5")
                    .contains("compression: \"" + compression + "\"");
        }
    }

    @Test
    void prismReadsWhatOiiotoolWrites(@TempDir Path dir) throws Exception {
        FloatImage img = source(45, 37, 2);
        Path src = dir.resolve("source.exr");
        ExrWriter.write(src, img, ExrWriteOptions.lossless(Compression.NONE));
        // one oiiotool run writes every variant (its start-up is slow)
        List<List<String>> variants = new ArrayList<>();
        List<String> cmd = new ArrayList<>(List.of("oiiotool", src.toString()));
        List<Path> outs = new ArrayList<>();
        for (String comp : List.of("none", "rle", "zips", "zip", "piz", "pxr24")) {
            variants.add(List.of("-d", "half", "--scanline", "--compression", comp, "--origin", "+7-11"));
            variants.add(List.of("-d", "float", "--tile", "16", "16", "--compression", comp, "--origin", "-5+3"));
        }
        for (List<String> v : variants) {
            Path out = dir.resolve("oiio-" + outs.size() + ".exr");
            cmd.addAll(v);
            cmd.addAll(List.of("-o", out.toString()));
            outs.add(out);
        }
        run(cmd);
        for (int i = 0; i < outs.size(); i++) {
            check(outs.get(i), img, variants.get(i));
            assertThat(ExrReader.readHeaders(outs.get(i)).get(0).tiled()).isEqualTo(variants.get(i).contains("--tile"));
        }
        // a mip-mapped tiled texture: Prism reads level 0
        Path tex = dir.resolve("oiio-tex.exr");
        run(List.of("oiiotool", src.toString(), "-d", "float", "--compression", "zip", "-otex", tex.toString()));
        ExrHeader h = ExrReader.readHeaders(tex).get(0);
        assertThat(h.tiles().levelMode()).isEqualTo(TileDescription.LevelMode.MIPMAP_LEVELS);
        check(tex, img, List.of("-d", "float", "mipmap"));
    }

    private static void check(Path file, FloatImage img, List<String> how) throws IOException {
        ExrImage exr = ExrReader.read(file);
        FloatImage back = exr.parts().get(0).image();
        boolean half = how.contains("half");
        boolean pxr24Float = how.contains("pxr24") && !half;
        double rel = half ? 1.0 / 2048 : pxr24Float ? 1.0 / 32768 : 0;
        FloatImage expected = img;
        if (half) {
            expected = img.copy();
            for (float[] p : expected.planes()) for (int i = 0; i < p.length; i++) p[i] = Half.round(p[i]);
            rel = 0;
        }
        assertMatches(back, expected, rel, "Prism reading oiiotool " + how);
        int o = how.indexOf("--origin");
        if (o >= 0) {
            Matcher m = Pattern.compile("([+-]\\d+)([+-]\\d+)").matcher(how.get(o + 1));
            assertThat(m.matches()).isTrue();
            Box2i d = exr.parts().get(0).header().dataWindow();
            assertThat(d.minX()).isEqualTo(Integer.parseInt(m.group(1)));
            assertThat(d.minY()).isEqualTo(Integer.parseInt(m.group(2)));
        }
        assertThat(exr.parts().get(0).header().compression().name().toLowerCase())
                .isEqualTo(how.contains("mipmap") ? "zip" : how.get(how.indexOf("--compression") + 1));
    }

    /** B44/B44A are lossy: Prism must decode oiiotool's files to exactly what oiiotool itself decodes. */
    @Test
    void prismDecodesB44LikeOpenExr(@TempDir Path dir) throws Exception {
        FloatImage img = source(45, 37, 3);
        java.util.Arrays.fill(img.plane("A"), 1f); // flat blocks: 3-byte encoding in B44A
        Path src = dir.resolve("source.exr");
        ExrWriter.write(src, img, ExrWriteOptions.lossless(Compression.NONE));
        List<Path> outs = new ArrayList<>();
        List<String> cmd = new ArrayList<>(List.of("oiiotool", src.toString(), "-d", "half", "-d", "Z=float"));
        for (String comp : List.of("b44", "b44a")) {
            for (boolean tiled : new boolean[] {false, true}) {
                Path out = dir.resolve(comp + (tiled ? "-tiled" : "") + ".exr");
                cmd.addAll(tiled ? List.of("--tile", "16", "16") : List.of("--scanline"));
                cmd.addAll(List.of("--compression", comp, "--origin", "+3-2", "-o", out.toString()));
                outs.add(out);
            }
        }
        run(cmd);
        List<Seen> seen = dump(outs, 45, 37);
        for (int i = 0; i < outs.size(); i++) {
            ExrPart part = ExrReader.read(outs.get(i)).parts().get(0);
            assertThat(part.header().compression().name().toLowerCase()).isEqualTo(outs.get(i).getFileName().toString().split("[-.]")[0]);
            assertMatches(part.image(), seen.get(i).pixels(), 0, "Prism vs oiiotool decoding " + outs.get(i).getFileName());
            // and a lossy copy of the source, not garbage: the smooth positive ramp B is close, the flat A and the
            // FLOAT Z (stored uncompressed) are exact. (R and G change sign or jump inside 4x4 blocks, which B44's
            // 6-bit differences of half bit patterns cannot follow closely.)
            for (int k = 0; k < 45 * 37; k++) {
                assertThat((double) part.image().plane("B")[k]).isCloseTo(img.plane("B")[k],
                        org.assertj.core.data.Offset.offset(0.01));
            }
            assertThat(part.image().plane("A")).containsOnly(1f);
            assertThat(part.image().plane("Z")).containsExactly(img.plane("Z"));
        }
    }

    /** PNG and TIFF written by OpenImageIO (libpng, libtiff: deflate with predictor, LZW, 8 and 16 bit) read exactly. */
    @Test
    void imageFilesReadsRastersOiiotoolWrites(@TempDir Path dir) throws Exception {
        FloatImage rgb = FloatImage.blank(37, 23, List.of("R", "G", "B"));
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 37 * 23; i++) rgb.planes()[c][i] = ((i * 7919L + c * 104729L) % 1001) / 1000f;
        }
        FloatImage rgba = FloatImage.blank(37, 23, List.of("R", "G", "B", "A"));
        for (int c = 0; c < 3; c++) rgba.planes()[c] = rgb.planes()[c].clone();
        for (int i = 0; i < 37 * 23; i++) {
            rgba.planes()[3][i] = 0.25f + (i % 4) * 0.25f;
            for (int c = 0; c < 3; c++) rgba.planes()[c][i] *= rgba.planes()[3][i]; // premultiplied, as EXR is
        }
        Path src = dir.resolve("rgb.exr");
        Path srcA = dir.resolve("rgba.exr");
        ExrWriter.write(src, rgb, ExrWriteOptions.lossless(Compression.ZIP));
        ExrWriter.write(srcA, rgba, ExrWriteOptions.lossless(Compression.ZIP));
        run(List.of("oiiotool", src.toString(), "-d", "uint16", "-o", dir.resolve("a16.png").toString(),
                "-o", dir.resolve("a16.tif").toString(), "-d", "uint8", "-o", dir.resolve("a8.png").toString(),
                "--compression", "lzw", "-o", dir.resolve("a8.tif").toString()));
        run(List.of("oiiotool", srcA.toString(), "-d", "uint16", "-o", dir.resolve("b16.tif").toString()));
        for (String name : List.of("a16.png", "a16.tif", "a8.png", "a8.tif")) {
            float max = name.contains("16") ? 65535f : 255f;
            FloatImage back = io.prism.vision.image.ImageFiles.read(dir.resolve(name));
            assertThat(back.channels()).as(name).containsExactly("R", "G", "B");
            for (String c : back.channels()) {
                float[] p = back.plane(c);
                float[] e = rgb.plane(c);
                for (int i = 0; i < p.length; i++) {
                    assertThat(p[i]).as(name + " " + c + " " + i).isEqualTo(Math.round(e[i] * max) / max);
                }
            }
        }
        // libtiff stores EXR's premultiplied colour as associated alpha; ImageFiles hands back straight colour
        FloatImage b = io.prism.vision.image.ImageFiles.read(dir.resolve("b16.tif"));
        assertThat(b.channels()).containsExactly("R", "G", "B", "A");
        for (int i = 0; i < 37 * 23; i++) {
            float a = Math.round(rgba.planes()[3][i] * 65535f) / 65535f;
            assertThat(b.plane("A")[i]).isEqualTo(a);
            float r = Math.round(rgba.planes()[0][i] * 65535f) / 65535f;
            assertThat(b.plane("R")[i]).isCloseTo(r / a, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
