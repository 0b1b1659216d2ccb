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
        // DWAA is in the default set; Prism only reads it, so without oiiotool to write the files it has no figures
        assertThat(out).containsPattern("(?m)^DWAA\\s+\\(Prism reads it only");
        assertThat(Files.readString(Path.of(getClass().getResource("/META-INF/prism/commands").toURI())))
                .contains(ExrBenchmark.class.getName());
    }

    /** What OIIO 2.4.7's oiiotool printed for a read + write of Beachball/singlepart.0001.exr: -i is double-counted. */
    static final String RUNSTATS = """

            Threads: 1
            oiiotool runtime statistics:
              Total time: 2.69s
                  -i           :  1.39
                  -o           :  1.96
              Peak memory:    190.2 MB
              Current memory: 187.8 MB
            """;

    @Test
    void oiiotoolRunstatsAreParsedIncludingTotalTime() {
        ExrBenchmark.Stats s = ExrBenchmark.Stats.parse(RUNSTATS);
        assertThat(s.total()).isEqualTo(2.69);
        assertThat(s.input()).isEqualTo(1.39);
        assertThat(s.output()).isEqualTo(1.96);
        assertThat(s.input() + s.output()).as("the steps add up to more than the total").isGreaterThan(s.total());
        assertThat(ExrBenchmark.Stats.parse("  Total time: 1m 2.50s\n").total()).isEqualTo(62.5);
    }
}
