package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.FrameSubmitted;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One job scales across workers: frames are keyed by frame, not job, so a single 400-frame job spreads over the
 * topic's partitions and both workers of the group process some of it — each frame exactly once in PostgreSQL.
 */
class TwoWorkersOneJobTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    @Test
    void bothWorkersProcessFramesOfASingleJob() throws Exception {
        Map<String, String> albedoOnly = Map.of("PRISM_WORKER_TASKS", "albedo");
        GpuWorker first = kit.startWorker(albedoOnly);
        GpuWorker second = kit.startWorker(albedoOnly);
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kit.infra.kafkaBootstrapServers()))) {
            await("both workers own partitions", Duration.ofSeconds(60), quietly(() -> {
                ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(kit.group)).all().get().get(kit.group);
                return g.members().size() == 2 && g.members().stream().noneMatch(m -> m.assignment().topicPartitions().isEmpty());
            }));
        }

        List<FrameSubmitted> frames = kit.goodFrames(400, 1, "one-job");
        for (FrameSubmitted f : frames) kit.publish(f);
        await("400 frames processed", Duration.ofMinutes(5),
                quietly(() -> kit.count("SELECT count(*) FROM frames WHERE status = 'processed'") == 400));

        double byFirst = framesDone(first);
        double bySecond = framesDone(second);
        System.out.printf("one job of 400 frames over 2 workers: %.0f + %.0f frames%n", byFirst, bySecond);
        assertThat(byFirst).as("first worker's frames").isPositive();
        assertThat(bySecond).as("second worker's frames").isPositive();
        assertThat(byFirst + bySecond).as("every frame by some worker").isGreaterThanOrEqualTo(400);
        assertThat(kit.count("SELECT count(*) FROM results")).as("one result row per frame").isEqualTo(400);
    }

    private static double framesDone(GpuWorker w) {
        return w.metrics().registry().get("prism_worker_frames_total").counter().count();
    }
}
