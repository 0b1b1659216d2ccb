package io.prism.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.launcher.demo.Demo;
import io.prism.launcher.demo.DemoPlan;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prism demo --marigold tiny-iid --quick --once}: the whole loop on an imported diffusers Marigold checkpoint
 * (the tiny random-weight Marigold-IID one). It is imported and promoted as albedo v1 and serves the first frames; the
 * trainer fine-tunes it with MarigoldTrainer on the new style's pairs (candidate v2, child of v1, both evaluated on
 * the same holdout and guard frames) and the same gate decides. The frames after the verdict are served by what the
 * verdict left active — v2 when it passed, v1 when it failed — as the results' model versions show. (With the tiny
 * checkpoint's random VAE the decoded albedo barely depends on the UNet, so the gate rejects here: holdout PSNR
 * −0.04 dB against the +0.25 dB it asks for; the demo says so instead of promoting.) The console carries no service
 * log line: the services log to the file the demo names.
 */
class MarigoldDemoTest {
    @TempDir
    Path dir;

    @Test
    void anImportedMarigoldModelIsServedFineTunedAndJudgedAndTheVerdictDecidesWhatServesNext() throws Exception {
        Path tiny = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "marigold-reference", "tiny-iid");
        assumeTrue(Files.isDirectory(tiny), "tiny Marigold checkpoint not found at " + tiny.toAbsolutePath());
        Path models = Path.of(System.getProperty("prism.repo.dir", "..")).resolve("models");
        DemoPlan plan = DemoPlan.marigoldQuick();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(console, System.out), true, StandardCharsets.UTF_8);
        try (Demo demo = new Demo(dir.resolve("demo"), plan, models, tiny, out, false)) {
            Demo.Report report = demo.run();
            assertThat(report.submitted()).isEqualTo(plan.totalFrames());
            assertThat(report.processed()).as("every frame processed").isEqualTo(report.submitted());
            assertThat(report.failed()).isZero();
            assertThat(report.albedoV1()).as("albedo v1 is the imported folder").startsWith("imported tiny-iid (marigold intrinsics model");
            assertThat(report.albedoByShot().get("sh010")).as("served by the import").isEqualTo(Map.of(1, plan.productionFrames()));

            // the fine-tune of the imported v1 finished and was judged: candidate v2 with both evaluations recorded
            ModelRegistry registry = new ModelRegistry(demo.runtime().context().database(), demo.runtime().context().blobs());
            ModelVersion v2 = registry.find("albedo", 2).orElseThrow(() -> new AssertionError("no candidate: " + report.training()));
            assertThat(v2.parentVersion()).isEqualTo(1);
            Map<String, Double> m = v2.metrics();
            assertThat(m).containsKeys("holdout.psnr", "active_v1.holdout.psnr", "guard_studio.psnr", "active_v1.guard_studio.psnr", "gate.passed");
            double gain = m.get("holdout.psnr") - m.get("active_v1.holdout.psnr");
            boolean passed = m.get("gate.passed") == 1.0;
            assertThat(report.training()).as("the demo reports the verdict with the gate's checks")
                    .startsWith((passed ? "promoted" : "rejected") + " candidate v2 (gate holdout.psnr: ");

            // the verdict decides what serves the rest of the new look
            if (passed) {
                assertThat(gain).as("promoted only when it beat v1 on the holdout by the margin").isGreaterThanOrEqualTo(0.25);
                assertThat(report.activeAlbedoVersion()).isEqualTo(2);
                assertThat(report.albedoByShot().get("sh030")).as("after the promotion").isEqualTo(Map.of(2, plan.afterFrames()));
            } else {
                assertThat(v2.status()).isEqualTo(ModelVersion.REJECTED);
                assertThat(report.activeAlbedoVersion()).isEqualTo(1);
                assertThat(report.albedoByShot().get("sh030")).as("after the rejection").isEqualTo(Map.of(1, plan.afterFrames()));
            }

            // the console shows progress and the summary only: the services logged to the file the demo names
            String shown = console.toString(StandardCharsets.UTF_8);
            assertThat(shown).contains("=== prism demo summary ===").contains("service logs: " + report.serviceLog());
            assertThat(shown.lines().filter(l -> !l.startsWith("prism demo: ") && l.matches(".*\\b(INFO|WARN|ERROR|DEBUG)\\b.*")))
                    .as("service log lines on the console").isEmpty();
            assertThat(Files.readString(report.serviceLog())).contains("event=service-started").contains("event=run-");
        }
    }

    /** Writes to two streams: the test's capture and the build log. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a, b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
