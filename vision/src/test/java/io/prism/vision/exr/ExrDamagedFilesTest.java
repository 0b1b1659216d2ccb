package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Broken files fail cleanly: every file of OpenEXR's Damaged/ collection (fuzzer finds that once crashed or exhausted
 * the reference library) is rejected with an ImageFormatException naming the file, within 2 s each, in a child JVM
 * limited to a 512 MB heap — no OutOfMemoryError, no endless loop, no escaping runtime exception.
 */
class ExrDamagedFilesTest {

    @Test
    void everyDamagedFileIsRejectedQuicklyInA512MbHeap() throws Exception {
        Path damaged = TestData.openexrDir().resolve("Damaged");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), DamagedFilesProbe.class.getName(), damaged.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(l);
                    }
                }
            } catch (Exception ignored) {
                // the process was killed
            }
        });
        reader.start();
        boolean finished = p.waitFor(180, TimeUnit.SECONDS);
        if (!finished) p.destroyForcibly();
        reader.join(5000);
        List<String> out;
        synchronized (lines) {
            out = List.copyOf(lines);
        }
        assertThat(finished).as("child JVM finished; last lines: %s", tail(out)).isTrue();
        assertThat(p.exitValue()).as("child exit; output tail: %s", tail(out)).isZero();
        assertThat(out).last().asString().startsWith("#done");
        int files = Integer.parseInt(out.get(out.size() - 1).split("\t")[1]);
        assertThat(files).isGreaterThan(100);
        List<String> results = out.stream().filter(l -> !l.startsWith("#")).toList();
        assertThat(results).hasSize(files);
        for (String l : results) {
            String[] f = l.split("\t", 4);
            assertThat(f[1]).as("outcome for %s: %s", f[0], f[3]).isEqualTo("REJECTED");
            assertThat(Long.parseLong(f[2])).as("milliseconds for %s", f[0]).isLessThan(2000);
            assertThat(f[3]).as("message names the file").contains(f[0]);
        }
    }

    /** Random corruption of a valid file (flipped bytes, truncation) never escapes as anything but a clear error. */
    @Test
    void randomlyCorruptedFilesFailCleanly() throws Exception {
        byte[] good = ExrWriter.encode(ExrRoundTripTest.floats(40, 70, 9), ExrWriteOptions.lossless(Compression.PIZ));
        byte[] zip = ExrWriter.encode(ExrRoundTripTest.floats(40, 70, 9), ExrWriteOptions.defaults());
        Random rnd = new Random(42);
        int rejected = 0;
        for (int i = 0; i < 600; i++) {
            byte[] b = (i % 2 == 0 ? good : zip).clone();
            if (i % 10 == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            } else {
                for (int k = 0; k < 1 + rnd.nextInt(8); k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            try {
                ExrReader.read(b, "fuzz-" + i + ".exr", ExrLimits.DEFAULT);
            } catch (ImageFormatException e) {
                assertThat(e.getMessage()).contains("fuzz-" + i + ".exr");
                rejected++;
            }
        }
        // flips inside pixel data of NONE-like stored chunks may decode; most must be caught
        assertThat(rejected).isGreaterThan(300);
    }

    /**
     * B44A decoding without oiiotool: a small file it wrote (src/test/resources/b44a-small.exr: R = x/30, G = y/22,
     * B = 0.25 everywhere so every block is a 3-byte flat one, Z = 10 + x + y/2 as FLOAT) decodes closely, and
     * random corruption of it fails cleanly.
     */
    @Test
    void b44aFileDecodesAndItsCorruptionsFailCleanly() throws Exception {
        byte[] file;
        try (java.io.InputStream in = getClass().getResourceAsStream("/b44a-small.exr")) {
            file = in.readAllBytes();
        }
        ExrPart part = ExrReader.read(file, "b44a-small.exr", ExrLimits.DEFAULT).parts().get(0);
        assertThat(part.header().compression()).isEqualTo(Compression.B44A);
        io.prism.vision.image.FloatImage img = part.image();
        for (int y = 0; y < 22; y++) {
            for (int x = 0; x < 30; x++) {
                assertThat(img.get(img.indexOf("R"), x, y)).isCloseTo(x / 30f, org.assertj.core.data.Offset.offset(0.01f));
                assertThat(img.get(img.indexOf("G"), x, y)).isCloseTo(y / 22f, org.assertj.core.data.Offset.offset(0.01f));
                assertThat(img.get(img.indexOf("B"), x, y)).isEqualTo(0.25f);
                assertThat(img.get(img.indexOf("Z"), x, y)).isEqualTo(10 + x + y * 0.5f);
            }
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 400; i++) {
            byte[] b = file.clone();
            if (i % 10 == 0) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            } else {
                for (int k = 0; k < 1 + rnd.nextInt(8); k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            try {
                ExrReader.read(b, "b44-fuzz-" + i + ".exr", ExrLimits.DEFAULT);
            } catch (ImageFormatException e) {
                assertThat(e.getMessage()).contains("b44-fuzz-" + i + ".exr");
            }
        }
    }

    @Test
    void limitsAreEnforcedBeforeAllocating() {
        byte[] b = ExrWriter.encode(ExrRoundTripTest.floats(64, 64, 1), ExrWriteOptions.defaults());
        assertThatThrownBy(() -> ExrReader.read(b, "big.exr", ExrLimits.DEFAULT.withMaxPixels(1000)))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("over the limit of 1000")
                .hasMessageContaining("big.exr");
        assertThatThrownBy(() -> ExrReader.read(b, "many.exr", ExrLimits.DEFAULT.withMaxChannels(2)))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("3 channels, over the limit of 2");
        assertThatThrownBy(() -> ExrReader.read(b, "bytes.exr", ExrLimits.DEFAULT.withMaxBytes(4096)))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("over the limit of 4096");
    }

    private static String tail(List<String> out) {
        return String.join("\n", out.subList(Math.max(0, out.size() - 5), out.size()));
    }
}
