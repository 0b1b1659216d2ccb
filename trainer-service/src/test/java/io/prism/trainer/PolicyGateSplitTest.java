package io.prism.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.config.Env;
import io.prism.trainer.TrainerConfig.GateSettings;
import io.prism.trainer.TrainerConfig.TaskPolicy;
import io.prism.trainer.dataset.SplitBucket;
import io.prism.trainer.gate.Gate;
import io.prism.trainer.policy.RunPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pure decisions: split, policy, gate, configuration. */
class PolicyGateSplitTest {

    @Test
    void splitIsAFunctionOfThePairIdAloneAndRaisingTheFractionOnlyMovesPairsIntoHoldout() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) ids.add(UUID.nameUUIDFromBytes(("pair-" + i).getBytes()));
        long holdout10 = ids.stream().filter(id -> SplitBucket.isHoldout(SplitBucket.of(id), 0.10)).count();
        // Uniform enough: 10 % ± 1 % of 20 000.
        assertThat(holdout10).isBetween(1800L, 2200L);
        for (UUID id : ids.subList(0, 500)) {
            int b = SplitBucket.of(id);
            assertThat(b).isBetween(0, 9999).isEqualTo(SplitBucket.of(UUID.fromString(id.toString())));
            if (SplitBucket.isHoldout(b, 0.10)) assertThat(SplitBucket.isHoldout(b, 0.20)).isTrue();
        }
    }

    private static final TaskPolicy POLICY = new TaskPolicy(100, Duration.ofHours(24), 5);
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");

    @Test
    void policyStartsOnEnoughNewPairsOrAfterTheIntervalWithSomeNewPairs() {
        Instant lastRun = NOW.minus(Duration.ofHours(1));
        assertThat(RunPolicy.decide(POLICY, 99, lastRun, null, 10, 4, NOW).start()).isFalse();
        assertThat(RunPolicy.decide(POLICY, 100, lastRun, null, 10, 4, NOW).start()).isTrue();
        Instant longAgo = NOW.minus(Duration.ofHours(25));
        assertThat(RunPolicy.decide(POLICY, 5, longAgo, null, 10, 4, NOW).reason()).contains("interval");
        assertThat(RunPolicy.decide(POLICY, 5, longAgo, null, 10, 4, NOW).start()).isTrue();
        // Time passed but (almost) nothing new: retraining would repeat the last run.
        assertThat(RunPolicy.decide(POLICY, 4, longAgo, null, 10, 4, NOW).start()).isFalse();
        // Never ran: the clock starts at the first pair.
        assertThat(RunPolicy.decide(POLICY, 6, null, longAgo, 10, 4, NOW).start()).isTrue();
        assertThat(RunPolicy.decide(POLICY, 6, null, NOW.minusSeconds(5), 10, 4, NOW).start()).isFalse();
        // Without holdout frames the gate could not judge a candidate: no run however many pairs.
        RunPolicy.Decision noHoldout = RunPolicy.decide(POLICY, 1000, lastRun, null, 3, 4, NOW);
        assertThat(noHoldout.start()).isFalse();
        assertThat(noHoldout.reason()).contains("holdout");
    }

    private static final GateSettings ALBEDO = new GateSettings("psnr", 0.25, Map.of("psnr", 0.5, "ssim", 0.02));

    @Test
    void gatePromotesOnlyAMarginalImprovementWithoutGuardRegression() {
        var active = Map.of("holdout", Map.of("psnr", 20.0, "ssim", 0.80), "guard_studio", Map.of("psnr", 25.0, "ssim", 0.90));
        var better = Map.of("holdout", Map.of("psnr", 21.0, "ssim", 0.82), "guard_studio", Map.of("psnr", 24.7, "ssim", 0.89));
        Gate.Result ok = Gate.judge(ALBEDO, better, active);
        assertThat(ok.passed()).as(ok.summary()).isTrue();
        assertThat(ok.mainDelta()).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ok.checks()).hasSize(4);

        var tooLittle = Map.of("holdout", Map.of("psnr", 20.2, "ssim", 0.82), "guard_studio", Map.of("psnr", 25.0, "ssim", 0.90));
        assertThat(Gate.judge(ALBEDO, tooLittle, active).passed()).isFalse();

        var breaksGuard = Map.of("holdout", Map.of("psnr", 23.0, "ssim", 0.85), "guard_studio", Map.of("psnr", 24.4, "ssim", 0.90));
        Gate.Result guardFail = Gate.judge(ALBEDO, breaksGuard, active);
        assertThat(guardFail.passed()).isFalse();
        assertThat(guardFail.failures()).singleElement().asString().startsWith("guard_studio.psnr");

        var worseSsimOnHoldout = Map.of("holdout", Map.of("psnr", 23.0, "ssim", 0.70), "guard_studio", Map.of("psnr", 25.0, "ssim", 0.90));
        assertThat(Gate.judge(ALBEDO, worseSsimOnHoldout, active).failures()).singleElement().asString().startsWith("holdout.ssim");

        var nan = Map.of("holdout", Map.of("psnr", Double.NaN, "ssim", 0.9));
        assertThat(Gate.judge(ALBEDO, nan, active).passed()).isFalse();
    }

    @Test
    void configHasDocumentedDefaultsPerTaskOverridesAndRejectsNonsense() {
        TrainerConfig d = TrainerConfig.from(new Env(Map.of()), Path.of("/data"));
        assertThat(d.tasks()).containsExactly("albedo", "mask");
        assertThat(d.httpPort()).isEqualTo(8083);
        assertThat(d.policy("albedo").minNewPairs()).isEqualTo(200);
        assertThat(d.policy("albedo").maxInterval()).isEqualTo(Duration.ofHours(24));
        assertThat(d.holdoutFraction()).isEqualTo(0.1);
        assertThat(d.training().effectiveBatch()).isEqualTo(8);
        assertThat(d.gate("albedo").mainMetric()).isEqualTo("psnr");
        assertThat(d.gate("mask").mainMetric()).isEqualTo("iou");
        assertThat(d.runsDir()).isEqualTo(Path.of("/data/trainer/runs"));
        // unset, the learning rate follows what is fine-tuned: compact 2e-4, a diffusers (Marigold) checkpoint 3e-5
        assertThat(d.training().learningRate(false)).isEqualTo(2e-4);
        assertThat(d.training().learningRate(true)).isEqualTo(3e-5);

        TrainerConfig o = TrainerConfig.from(new Env(Map.of("PRISM_TRAINER_MIN_NEW_PAIRS", "50",
                "PRISM_TRAINER_MASK_MIN_NEW_PAIRS", "20", "PRISM_TRAINER_ALBEDO_MAX_INTERVAL", "2h",
                "PRISM_TRAINER_ALBEDO_MARGIN", "1.5")), Path.of("/data"));
        assertThat(o.policy("albedo").minNewPairs()).isEqualTo(50);
        assertThat(o.policy("mask").minNewPairs()).isEqualTo(20);
        assertThat(o.policy("albedo").maxInterval()).isEqualTo(Duration.ofHours(2));
        assertThat(o.policy("mask").maxInterval()).isEqualTo(Duration.ofHours(24));
        assertThat(o.gate("albedo").margin()).isEqualTo(1.5);
        TrainerConfig lr = TrainerConfig.from(new Env(Map.of("PRISM_TRAINER_LEARNING_RATE", "1e-4")), Path.of("/data"));
        assertThat(lr.training().learningRate(false)).isEqualTo(1e-4);
        assertThat(lr.training().learningRate(true)).as("a set rate applies to every model kind").isEqualTo(1e-4);

        assertThatThrownBy(() -> TrainerConfig.from(new Env(Map.of("PRISM_TRAINER_HOLDOUT_FRACTION", "1.5")), Path.of(".")))
                .hasMessageContaining("PRISM_TRAINER_HOLDOUT_FRACTION");
        assertThatThrownBy(() -> TrainerConfig.from(new Env(Map.of("PRISM_TRAINER_TASKS", "depth")), Path.of(".")))
                .hasMessageContaining("unknown task 'depth'");
        assertThatThrownBy(() -> TrainerConfig.from(new Env(Map.of("PRISM_TRAINER_HEARTBEAT", "2m")), Path.of(".")))
                .hasMessageContaining("shorter than PRISM_TRAINER_LEASE_TTL");
        assertThatThrownBy(() -> TrainerConfig.from(new Env(Map.of("PRISM_TRAINER_LEARNING_RATE", "0")), Path.of(".")))
                .hasMessageContaining("PRISM_TRAINER_LEARNING_RATE");
    }
}
