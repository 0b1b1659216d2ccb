package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every OpenEXR test image (except Damaged/) decodes to the values OpenImageIO's oiiotool reports: per part and
 * channel the pixel count, sum, sum of magnitudes, min, max, NaN/inf counts, and exact values of 8 pixels each.
 * Expected values: src/test/resources/exr-fixtures.tsv, made by src/test/fixtures/make-exr-fixtures.sh.
 */
class ExrReferenceImagesTest {
    /** oiiotool prints 9 decimals; a correctly decoded value is within half a unit of the last one. */
    private static final double PRINT_TOLERANCE = 0.5e-9 + 1e-15;

    record Stats(String file, int part, String channel, long count, double sum, double sumAbs, double min, double max,
                 long nan, long inf) {
    }

    record Pixel(String file, int part, int x, int y, String channel, String value) {
    }

    static final List<Stats> STATS = new ArrayList<>();
    static final List<Pixel> PIXELS = new ArrayList<>();

    static {
        try (InputStream in = ExrReferenceImagesTest.class.getResourceAsStream("/exr-fixtures.tsv");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String[] f = line.split("\t");
                if (f[0].equals("stats")) {
                    STATS.add(new Stats(f[1], Integer.parseInt(f[2]), f[3], Long.parseLong(f[4]), Double.parseDouble(f[5]),
                            Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
                            Long.parseLong(f[9]), Long.parseLong(f[10])));
                } else {
                    PIXELS.add(new Pixel(f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), f[5], f[6]));
                }
            }
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Test
    void fixturesCoverEveryTestImage() throws Exception {
        Path dir = TestData.openexrDir();
        TreeSet<String> onDisk = new TreeSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> p.toString().endsWith(".exr")).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith("Damaged/")).forEach(onDisk::add);
        }
        TreeSet<String> inFixtures = new TreeSet<>();
        STATS.forEach(s -> inFixtures.add(s.file()));
        assertThat(inFixtures).as("regenerate exr-fixtures.tsv when test images change").isEqualTo(onDisk);
        assertThat(onDisk).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void everyImageMatchesOiiotool() throws Exception {
        Path dir = TestData.openexrDir();
        Map<String, List<Stats>> byFile = new LinkedHashMap<>();
        STATS.forEach(s -> byFile.computeIfAbsent(s.file(), k -> new ArrayList<>()).add(s));
        for (Map.Entry<String, List<Stats>> e : byFile.entrySet()) {
            String file = e.getKey();
            ExrImage exr = ExrReader.read(dir.resolve(file));
            int parts = e.getValue().stream().mapToInt(Stats::part).max().orElse(0) + 1;
            assertThat(exr.parts()).as(file).hasSize(parts);
            for (Stats s : e.getValue()) {
                String what = file + " part " + s.part() + " channel " + s.channel();
                FloatImage img = exr.parts().get(s.part()).image();
                float[] p = img.plane(s.channel());
                assertThat((long) p.length).as(what + " pixel count").isEqualTo(s.count());
                double sum = 0, sumAbs = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
                long nan = 0, inf = 0;
                for (float v : p) {
                    if (Float.isNaN(v)) nan++;
                    else if (Float.isInfinite(v)) inf++;
                    else {
                        sum += v;
                        sumAbs += Math.abs(v);
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                // each printed value is off by at most half a unit of the 9th decimal
                double tol = s.count() * PRINT_TOLERANCE + 1e-12 * s.sumAbs();
                assertThat(sum).as(what + " sum").isCloseTo(s.sum(), org.assertj.core.data.Offset.offset(tol));
                assertThat(sumAbs).as(what + " sum of |v|").isCloseTo(s.sumAbs(), org.assertj.core.data.Offset.offset(tol));
                if (s.count() > nan + inf) {
                    assertThat(min).as(what + " min").isCloseTo(s.min(), org.assertj.core.data.Offset.offset(PRINT_TOLERANCE));
                    assertThat(max).as(what + " max").isCloseTo(s.max(), org.assertj.core.data.Offset.offset(PRINT_TOLERANCE));
                }
                assertThat(nan).as(what + " NaNs").isEqualTo(s.nan());
                assertThat(inf).as(what + " infinities").isEqualTo(s.inf());
            }
            for (Pixel px : PIXELS) {
                if (!px.file().equals(file)) continue;
                ExrPart part = exr.parts().get(px.part());
                Box2i d = part.header().dataWindow();
                float v = part.image().get(part.image().indexOf(px.channel()), px.x() - d.minX(), px.y() - d.minY());
                String what = file + " part " + px.part() + " pixel (" + px.x() + "," + px.y() + ") " + px.channel();
                if (px.value().contains("nan")) {
                    assertThat(Float.isNaN(v)).as(what).isTrue();
                } else if (px.value().contains("inf")) {
                    assertThat((double) v).as(what).isEqualTo(px.value().startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
                } else {
                    assertThat((double) v).as(what).isCloseTo(Double.parseDouble(px.value()),
                            org.assertj.core.data.Offset.offset(PRINT_TOLERANCE));
                }
            }
        }
    }

    @Test
    void headersExposeWhatPipelinesUse() throws Exception {
        Path dir = TestData.openexrDir();
        ExrImage multi = ExrReader.read(dir.resolve("Beachball/multipart.0001.exr"));
        assertThat(multi.parts()).extracting(p -> p.header().name()).contains("rgba_left", "rgba_right", "depth_left");
        ExrHeader left = multi.part("rgba_left").header();
        assertThat(left.type()).isEqualTo(ExrHeader.SCANLINE);
        assertThat(left.compression()).isEqualTo(Compression.ZIPS);
        assertThat(left.dataWindow()).isEqualTo(new Box2i(688, 245, 1564, 1120));
        assertThat(left.channels()).extracting(ExrChannel::name).containsExactly("A", "B", "G", "R");

        ExrHeader tiled = ExrReader.readHeaders(dir.resolve("MultiResolution/PeriodicPattern.exr")).get(0);
        assertThat(tiled.tiled()).isTrue();
        assertThat(tiled.tiles().levelMode()).isEqualTo(TileDescription.LevelMode.MIPMAP_LEVELS);

        ExrHeader wide = ExrReader.readHeaders(dir.resolve("TestImages/WideColorGamut.exr")).get(0);
        // this image stores out-of-gamut colours as negative Rec.709 values and says so explicitly
        assertThat(wide.chromaticities()).contains(Chromaticities.REC709);

        // all parts in one image: same-named channels of different parts get the part name as prefix
        FloatImage merged = ExrReader.readImage(dir.resolve("Beachball/multipart.0001.exr"));
        assertThat(merged.channels()).contains("rgba_left.R", "rgba_right.R", "depth_left.Z", "disparityL.x");
    }

    @Test
    void channelFilterDecodesOnlyWhatIsAskedFor() throws Exception {
        Path dir = TestData.openexrDir();
        Path single = dir.resolve("Beachball/singlepart.0001.exr");
        FloatImage all = ExrReader.readImage(single);
        FloatImage z = ExrReader.readImage(single, ExrReader.ChannelFilter.named(List.of("Z")));
        assertThat(z.channels()).containsExactly("Z");
        assertThat(z.plane("Z")).isEqualTo(all.plane("Z"));

        ExrImage rgba = ExrReader.read(dir.resolve("Beachball/multipart.0001.exr"), ExrLimits.DEFAULT,
                (part, channel) -> part.startsWith("rgba_"));
        assertThat(rgba.parts()).hasSize(10);
        assertThat(rgba.part("depth_left").image().channelCount()).isZero();
        assertThat(rgba.part("depth_left").header().channels()).extracting(ExrChannel::name).containsExactly("Z");
        FloatImage merged = ExrReader.merge(rgba);
        assertThat(merged.channels()).containsExactlyInAnyOrder("rgba_left.A", "rgba_left.B", "rgba_left.G", "rgba_left.R",
                "rgba_right.A", "rgba_right.B", "rgba_right.G", "rgba_right.R");
        ExrImage full = ExrReader.read(dir.resolve("Beachball/multipart.0001.exr"));
        assertThat(rgba.part("rgba_left").image().plane("G")).isEqualTo(full.part("rgba_left").image().plane("G"));
    }
}
