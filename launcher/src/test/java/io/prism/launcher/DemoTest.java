package io.prism.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.prism.launcher.demo.Demo;
import io.prism.launcher.demo.DemoPlan;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shortened {@code prism demo --once}: embedded Kafka and PostgreSQL, all four services in one JVM, the synthetic
 * farm writing into the watched folder, a policy-started fine-tune on a new style, promotion, hot swap, and frames of
 * the new style processed by the new version — which must beat v1 on them against the renderer's ground truth.
 */
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void quickDemoPromotesAFineTunedModelThatBeatsV1OnTheNewStyle() throws Exception {
        Path models = Path.of(System.getProperty("prism.repo.dir", "..")).resolve("models");
        try (Demo demo = new Demo(dir, DemoPlan.quick(), models, System.out)) {
            Demo.Report report = demo.run();
            assertThat(report.submitted()).isEqualTo(DemoPlan.quick().totalFrames());
            assertThat(report.processed()).as("every frame processed").isEqualTo(report.submitted());
            assertThat(report.failed()).isZero();
            assertThat(report.activeAlbedoVersion()).as("a fine-tuned albedo model was promoted").isGreaterThanOrEqualTo(2);
            assertThat(report.albedoOnNewStyle()).containsKeys(1, report.activeAlbedoVersion());
            assertThat(report.newVersionWins()).as("v%d beats v1 on the new style: %s", report.activeAlbedoVersion(), report.albedoOnNewStyle()).isTrue();
        }
    }
}
