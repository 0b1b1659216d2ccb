package io.prism.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The prism command line: help everywhere, usage named as typed, one-line failures. */
class PrismCliTest {

    record Result(int code, String out, String err) {}

    static Result run(boolean verbose, String... args) {
        StringWriter err = new StringWriter();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        int code;
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            code = PrismCli.run(args, verbose, new PrintWriter(err, true));
        } finally {
            System.setOut(old);
        }
        return new Result(code, out.toString(java.nio.charset.StandardCharsets.UTF_8), err.toString());
    }

    static void collect(CommandLine c, List<List<String>> paths, List<String> path) {
        paths.add(path);
        c.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help") && sub.getCommandSpec().name().equals(name)) {
                List<String> p = new ArrayList<>(path);
                p.add(name);
                collect(sub, paths, p);
            }
        });
    }

    @Test
    void everyCommandAndGroupAnswersHelpWithItsNameAsTyped() {
        List<List<String>> paths = new ArrayList<>();
        collect(PrismCli.commandLine(), paths, new ArrayList<>());
        assertThat(paths).contains(List.of("bench"), List.of("bench", "exr"));
        for (List<String> p : paths) {
            List<String> args = new ArrayList<>(p);
            args.add("--help");
            Result r = run(false, args.toArray(new String[0]));
            String typed = String.join(" ", p);
            assertThat(r.code()).as("prism %s --help: %s", typed, r.err()).isZero();
            assertThat(r.out()).as("prism %s --help", typed).startsWith("Usage: prism" + (p.isEmpty() ? "" : " " + typed) + " ");
        }
    }

    @Test
    void aFailureIsOneLineUnlessVerbose(@TempDir Path dir) throws Exception {
        Path notAnImage = Files.writeString(dir.resolve("frame.exr"), "not an image at all");
        Path out = dir.resolve("out.exr");
        // a real model (loaded first: its input encoding says how the frame is read), so the frame is what fails
        String model = Path.of(System.getProperty("prism.repo.dir", ".."), "models", "albedo-v1").toString();
        Result r = run(false, "predict", "--model", model, notAnImage.toString(), out.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("prism predict: ").contains("frame.exr").doesNotContain("\tat ");

        Result verbose = run(true, "predict", "--model", model, notAnImage.toString(), out.toString());
        assertThat(verbose.code()).isEqualTo(1);
        assertThat(verbose.err()).contains("\tat ");
    }

    @Test
    void verboseIsTakenOffTheLineAndPrismDebugCounts() {
        assertThat(PrismCli.withoutVerbose(List.of("bench", "--verbose", "exr", "--", "--verbose")))
                .containsExactly("bench", "exr", "--", "--verbose");
        assertThat(PrismCli.verbose(List.of("x", "--", "--verbose"))).isEqualTo(System.getenv("PRISM_DEBUG") != null
                && !System.getenv("PRISM_DEBUG").isBlank() && !System.getenv("PRISM_DEBUG").equals("0")
                && !System.getenv("PRISM_DEBUG").equalsIgnoreCase("false"));
        assertThat(PrismCli.verbose(List.of("x", "--verbose"))).isTrue();
    }

    @Test
    void aMistypedOptionPointsToHelp() {
        Result r = run(false, "bench", "exr", "--no-such-option");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("prism bench exr: Unknown option: '--no-such-option'")
                .contains("Try 'prism bench exr --help' for usage.");
    }
}
