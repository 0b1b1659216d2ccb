package io.prism.simulator.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SimulateCommandTest {

    @TempDir
    Path out;

    private final StringWriter stdout = new StringWriter(), stderr = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new SimulateCommand());
        cl.setOut(new PrintWriter(stdout));
        cl.setErr(new PrintWriter(stderr));
        return cl.execute(args);
    }

    @Test
    void rendersAShotAndPrintsATimingTable() throws Exception {
        int rc = run("--out", out.toString(), "--show", "s1", "--shot", "sh030", "--style", "sunset", "--frames", "3-4",
                "-W", "24", "-H", "16", "--samples", "1", "--threads", "2", "--compression", "zips");
        assertThat(rc).as(stderr.toString()).isZero();
        assertThat(out.resolve("s1/sh030/beauty/sh030.0003.exr")).isRegularFile();
        assertThat(out.resolve("s1/sh030/beauty/sh030.0004.exr")).isRegularFile();
        assertThat(stdout.toString()).contains("render_ms").contains("frames 2").contains("frames/s");
    }

    /** --beauty-only: a production farm's frame, RGBA and nothing else. */
    @Test
    void beautyOnlyWritesRgbaExrs() throws Exception {
        int rc = run("--out", out.toString(), "--frames", "2", "-W", "16", "-H", "16", "--samples", "1", "--beauty-only", "-q");
        assertThat(rc).as(stderr.toString()).isZero();
        var img = io.prism.vision.exr.ExrReader.readImage(out.resolve("demo/sh010/beauty/sh010.0002.exr"));
        assertThat(img.channels()).containsExactlyInAnyOrder("R", "G", "B", "A");
        assertThat(stdout.toString()).doesNotContain("render_ms").contains("frames 1");
    }

    @Test
    void badArgumentsGiveAUsageErrorAndWriteNothing() {
        assertThat(run("--out", out.toString(), "--style", "noir")).isEqualTo(2);
        assertThat(stderr.toString()).contains("unknown style 'noir'");
        assertThat(run("--out", out.toString(), "--frames", "9-1")).isEqualTo(2);
        assertThat(run("--out", out.toString(), "--compression", "DWAB")).isEqualTo(2);
        assertThat(stderr.toString()).contains("unsupported EXR compression");
        assertThat(run("--out", out.toString(), "--rate", "often")).isEqualTo(2);
        assertThat(out.resolve("demo")).doesNotExist();
    }

    /** The benchmark command runs end to end on a tiny shot (its numbers are for people, not asserted). */
    @Test
    void benchmarkRunsOnATinyShot() {
        int rc = new CommandLine(new io.prism.simulator.bench.SimulatorBenchmark())
                .execute("--frames", "2", "--size", "16", "--samples", "1", "--threads", "2");
        assertThat(rc).isZero();
    }

    /** The launcher finds subcommands through META-INF/prism/commands. */
    @Test
    void isRegisteredForTheLauncher() throws Exception {
        var url = getClass().getClassLoader().getResource("META-INF/prism/commands");
        assertThat(url).isNotNull();
        List<String> lines = Files.readAllLines(Path.of(url.toURI()));
        assertThat(lines).contains(SimulateCommand.class.getName(), io.prism.simulator.bench.SimulatorBenchmark.class.getName());
        assertThat(new CommandLine(new SimulateCommand()).getCommandName()).isEqualTo("simulate");
    }
}
