package io.prism.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.engine.diffusers.models.autoencoders.FittedTinyVae;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.marigold.train.LatentCache;
import io.prism.engine.tools.SimulatedPairs;
import io.prism.engine.train.TrainingPair;
import io.prism.launcher.demo.Demo;
import io.prism.launcher.demo.DemoPlan;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import io.prism.vision.image.FloatImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prism demo --marigold DIR --quick --once}: the whole loop on an imported diffusers Marigold checkpoint. It is
 * imported and promoted as albedo v1 and serves the first frames; the trainer fine-tunes it with MarigoldTrainer on
 * the new style's pairs (candidate v2, child of v1, both evaluated on the same holdout and guard frames) and the
 * unchanged gate decides. The frames after the verdict are served by what the verdict left active, as the results'
 * model versions show. The console carries no service log line: the services log to the file the demo names.
 *
 * <p>The folder is the tiny random-weight Marigold-IID checkpoint with its VAE fitted to reconstruct the new style
 * ({@link FittedTinyVae}): the fixture's random VAE decodes every latent to a near-constant image, so no UNet fine-tune
 * could move the decoded albedo's PSNR (holdout −0.04 dB with it, against the +0.25 dB the gate asks for). A real
 * Marigold VAE reconstructs; the fit gives the tiny one that property and nothing more — a deterministic autoencoder
 * fit on neon scenes of other seeds than the demo's shots (so neither the trainer's pairs nor its holdout), beauty and
 * sRGB albedo preprocessed exactly as the trainer's latent cache encodes them. With it the fine-tune must pass the
 * gate's normal rules, v2 is promoted, and the worker serves the rest of the new look with v2. The fixture as shipped
 * runs the same loop to an honest rejection.
 */
class MarigoldDemoTest {
    @TempDir
    Path dir;

    @Test
    void anImportedMarigoldModelWhoseVaeReconstructsIsFineTunedPassesTheGateAndServesTheNewLookAsV2() throws Exception {
        DemoPlan plan = DemoPlan.marigoldQuick();
        Path folder = fittedVae(tinyIid(), dir.resolve("tiny-iid-fitted-vae"), plan);
        Judged j = runDemo(folder, plan);

        // the gate's normal rules passed: promoted, with the holdout margin the gate asks for
        assertThat(j.report().training()).as(j.numbers()).startsWith("promoted candidate v2 (gate holdout.psnr: ");
        assertThat(j.v2().metrics().get("gate.passed")).as(j.numbers()).isEqualTo(1.0);
        assertThat(j.holdoutGain()).as(j.numbers()).isGreaterThanOrEqualTo(0.25);
        assertThat(j.v2().status()).isEqualTo(ModelVersion.ACTIVE);
        assertThat(j.report().activeAlbedoVersion()).isEqualTo(2);
        // results.model_version: the worker served the rest of the new look with v2
        assertThat(j.report().albedoByShot().get("sh030")).as("after the promotion").isEqualTo(Map.of(2, plan.afterFrames()));
    }

    /**
     * The fixture as shipped: its random VAE makes the decoded albedo blind to the UNet, the fine-tune cannot reach the
     * margin, and the demo says so — v2 rejected, v1 keeps serving the new look.
     */
    @Test
    void theShippedTinyCheckpointsFineTuneIsRejectedAndV1KeepsServing() throws Exception {
        DemoPlan plan = DemoPlan.marigoldQuick();
        Judged j = runDemo(tinyIid(), plan);

        assertThat(j.report().training()).as(j.numbers()).startsWith("rejected candidate v2 (gate holdout.psnr: ");
        assertThat(j.holdoutGain()).as(j.numbers()).isLessThan(0.25);
        assertThat(j.v2().status()).isEqualTo(ModelVersion.REJECTED);
        assertThat(j.report().activeAlbedoVersion()).isEqualTo(1);
        assertThat(j.report().albedoByShot().get("sh030")).as("after the rejection").isEqualTo(Map.of(1, plan.afterFrames()));
    }

    /** A finished demo: its report, candidate v2 as the registry holds it after the run, and the gate's numbers. */
    record Judged(Demo.Report report, ModelVersion v2, String numbers) {
        double holdoutGain() {
            return v2.metrics().get("holdout.psnr") - v2.metrics().get("active_v1.holdout.psnr");
        }
    }

    static Path tinyIid() {
        Path tiny = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "marigold-reference", "tiny-iid");
        assumeTrue(Files.isDirectory(tiny), "tiny Marigold checkpoint not found at " + tiny.toAbsolutePath());
        return tiny;
    }

    /**
     * Runs the demo on {@code folder} and checks what holds whatever the verdict: every frame processed, the import
     * served the first shot as v1, its fine-tune (candidate v2, child of v1) was evaluated next to v1 on holdout and
     * guard, and the console carries progress and the summary only.
     */
    private Judged runDemo(Path folder, DemoPlan plan) throws Exception {
        Path models = Path.of(System.getProperty("prism.repo.dir", "..")).resolve("models");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(console, System.out), true, StandardCharsets.UTF_8);
        try (Demo demo = new Demo(dir.resolve("demo"), plan, models, folder, out, false)) {
            Demo.Report report = demo.run();
            assertThat(report.submitted()).isEqualTo(plan.totalFrames());
            assertThat(report.processed()).as("every frame processed").isEqualTo(report.submitted());
            assertThat(report.failed()).isZero();
            assertThat(report.albedoV1()).as("albedo v1 is the imported folder")
                    .startsWith("imported " + folder.getFileName() + " (marigold intrinsics model");
            assertThat(report.albedoByShot().get("sh010")).as("served by the import").isEqualTo(Map.of(1, plan.productionFrames()));

            // the fine-tune of the imported v1 finished and was judged: candidate v2 with both evaluations recorded
            ModelRegistry registry = new ModelRegistry(demo.runtime().context().database(), demo.runtime().context().blobs());
            ModelVersion v2 = registry.find("albedo", 2).orElseThrow(() -> new AssertionError("no candidate: " + report.training()));
            assertThat(v2.parentVersion()).isEqualTo(1);
            Map<String, Double> m = v2.metrics();
            assertThat(m).containsKeys("holdout.psnr", "active_v1.holdout.psnr", "guard_studio.psnr", "active_v1.guard_studio.psnr", "gate.passed");
            String numbers = String.format("holdout PSNR v1 %.2f dB -> v2 %.2f dB (%+.2f dB); guard studio %.2f -> %.2f dB; %s",
                    m.get("active_v1.holdout.psnr"), m.get("holdout.psnr"), m.get("holdout.psnr") - m.get("active_v1.holdout.psnr"),
                    m.get("active_v1.guard_studio.psnr"), m.get("guard_studio.psnr"), report.training());
            System.out.println("marigold demo gate (" + folder.getFileName() + "): " + numbers);

            // the console shows progress and the summary only: the services logged to the file the demo names
            String shown = console.toString(StandardCharsets.UTF_8);
            assertThat(shown).contains("=== prism demo summary ===").contains("service logs: " + report.serviceLog());
            assertThat(shown.lines().filter(l -> !l.startsWith("prism demo: ") && l.matches(".*\\b(INFO|WARN|ERROR|DEBUG)\\b.*")))
                    .as("service log lines on the console").isEmpty();
            assertThat(Files.readString(report.serviceLog())).contains("event=service-started").contains("event=run-");
            return new Judged(report, v2, numbers);
        }
    }

    /**
     * The tiny checkpoint with its VAE fitted (60 full-batch steps, lr 5e-3, as the SD3 tiny test fits its VAE) to
     * reconstruct the beauty and albedo of 8 neon scenes (seeds 1000-1007) rendered at the demo's size and samples,
     * preprocessed at the model's processing resolution as the trainer encodes them; 2 other neon scenes (2000, 2001)
     * measure the fit. None of them is a demo shot (seeds 101, 202, 303).
     */
    static Path fittedVae(Path tiny, Path out, DemoPlan plan) throws Exception {
        MarigoldCheckpoint checkpoint = MarigoldCheckpoint.read(tiny);
        int resolution = checkpoint.defaultProcessingResolution();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        List<TrainingPair> train = SimulatedPairs.render("albedo", plan.newStyle(), 1000, 8, 1, plan.size(), plan.samples(), threads);
        List<TrainingPair> held = SimulatedPairs.render("albedo", plan.newStyle(), 2000, 2, 1, plan.size(), plan.samples(), threads);
        long t1 = System.nanoTime();
        FittedTinyVae.Fit fit = FittedTinyVae.derive(tiny, out, f -> normalised(train, checkpoint, resolution, f),
                f -> normalised(held, checkpoint, resolution, f), 60, 5e-3, null, true);
        System.out.printf("marigold demo: %s (rendered in %.1f s, fitted in %.1f s)%n", fit, (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
        assertThat(fit.mseAfter()).as("the fitted VAE reconstructs held-out frames and albedos: " + fit).isLessThan(fit.mseBefore() / 2);
        return out;
    }

    private static List<FloatImage> normalised(List<TrainingPair> pairs, MarigoldCheckpoint checkpoint, int resolution, int f) {
        return pairs.stream().flatMap(p -> Arrays.stream(LatentCache.normalised(p, checkpoint, "albedo", resolution, f))).toList();
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
