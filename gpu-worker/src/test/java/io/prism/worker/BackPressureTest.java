package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.testing.TestInfra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure: with a backlog far larger than PRISM_WORKER_MAX_IN_FLIGHT the consumer pauses its partitions instead
 * of pulling everything into memory, resumes as frames become durable, and still processes every frame.
 */
class BackPressureTest {
    @TempDir
    Path dir;

    @Test
    void aBacklogIsConsumedAtMostMaxInFlightAtATime() throws Exception {
        try (WorkerTestKit kit = new WorkerTestKit(TestInfra.shared(), dir)) {
            List<FrameSubmitted> frames = kit.goodFrames(40, 4, "backlog");
            for (FrameSubmitted f : frames) kit.publish(f); // the backlog is there before the worker starts
            GpuWorker worker = kit.startWorker(Map.of("PRISM_WORKER_TASKS", "albedo", "PRISM_WORKER_MAX_BATCH", "4",
                    "PRISM_WORKER_MAX_IN_FLIGHT", "6"));
            await("all 40 frames processed", Duration.ofSeconds(120),
                    quietly(() -> kit.count("SELECT count(*) FROM frames WHERE status = 'processed'") == 40));
            // the poll loop hands out no record past the limit: the rest of a poll waits for the next one
            assertThat(worker.peakInFlight()).as("frames in flight at the peak").isGreaterThan(0).isLessThanOrEqualTo(6);
            assertThat(kit.count("SELECT count(*) FROM results")).isEqualTo(40);
        }
    }
}
