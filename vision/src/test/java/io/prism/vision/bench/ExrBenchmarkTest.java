package io.prism.vision.bench;

import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark command runs end to end on a small file and prints one table row per compression. */
class ExrBenchmarkTest {

    @Test
    void printsATableRowPerCompression(@TempDir Path dir) throws Exception {
        FloatImage img = FloatImage.blank(64, 48, List.of("R", "G", "B"));
        for (float[] p : img.planes()) for (int i = 0; i < p.length; i++) p[i] = (i % 64) / 64f;
        ExrWriter.write(dir.resolve("a.exr"), img, ExrWriteOptions.defaults());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = new CommandLine(new ExrBenchmark(new PrintStream(buf, true, StandardCharsets.UTF_8)))
                .execute("--iterations", "1", "--oiiotool-runs", "0", dir.toString());
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(out).isZero();
        for (String c : List.of("NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24")) {
            assertThat(out).containsPattern("(?m)^" + c + "\\s+0\\.0\\s+[0-9.]+ \\|\\s+[0-9.]+ MB/s \\([0-9.]+s\\)\\s+-");
        }
        assertThat(Files.readString(Path.of(getClass().getResource("/META-INF/prism/commands").toURI())))
                .contains(ExrBenchmark.class.getName());
    }
}
