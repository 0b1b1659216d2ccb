package io.prism.worker;

import io.prism.vision.testing.TestExrs;
import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.FrameEntity;
import io.prism.worker.db.FrameRepository;
import io.prism.platform.db.ResultEntity;
import io.prism.worker.db.ResultRepository;
import io.prism.worker.pipeline.ResultWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker that reaches an old version after a re-render superseded it (no worker was running while A then B were
 * registered) keeps the late result but never turns {@code superseded} back into {@code processed}; the newer version
 * is processed as usual, so the job's progress counts one superseded and one processed frame.
 */
class SupersededVersionTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    @Test
    void lateResultForASupersededVersionIsKeptFlaggedAndLeavesTheStatusAlone() throws Exception {
        String job = "late-" + UUID.randomUUID().toString().substring(0, 8);
        FrameSubmitted v1 = kit.frame(job, 12, TestExrs.linearBeauty(WorkerTestKit.SIZE, WorkerTestKit.SIZE, 1), WorkerTestKit.SIZE, WorkerTestKit.SIZE);
        FrameSubmitted v2 = secondVersion(v1, TestExrs.linearBeauty(WorkerTestKit.SIZE, WorkerTestKit.SIZE, 2));
        assertThat(kit.count("UPDATE frames SET status = 'superseded' WHERE id = '" + v1.frameId() + "' RETURNING 1")).isEqualTo(1);

        kit.startWorker(Map.of("PRISM_WORKER_TASKS", "albedo"));
        kit.publish(v1);
        kit.publish(v2);
        ResultRepository results = kit.db.repository(ResultRepository.class);
        await("results of both versions", Duration.ofMinutes(2),
                quietly(() -> !results.findByFrameId(v1.frameId()).isEmpty() && !results.findByFrameId(v2.frameId()).isEmpty()));

        FrameRepository frames = kit.db.repository(FrameRepository.class);
        assertThat(frames.findById(v1.frameId()).orElseThrow().status()).as("late result: still superseded").isEqualTo("superseded");
        assertThat(frames.findById(v2.frameId()).orElseThrow().status()).isEqualTo("processed");
        List<ResultEntity> late = results.findByFrameId(v1.frameId());
        assertThat(late).hasSize(1);
        assertThat(late.get(0).statistics()).as("kept, flagged").contains("\"" + ResultWriter.LATE_FOR_SUPERSEDED + "\": 1.0");
        assertThat(results.findByFrameId(v2.frameId()).get(0).statistics()).doesNotContain("\"" + ResultWriter.LATE_FOR_SUPERSEDED + "\"");
        assertThat(kit.count("SELECT count(*) FROM frames WHERE job_id = '" + job + "' AND status = 'superseded'")).isEqualTo(1);
        assertThat(kit.count("SELECT count(*) FROM frames WHERE job_id = '" + job + "' AND status = 'processed'")).isEqualTo(1);
    }

    /** Version 2 of the frame as ingest registers it. */
    private static FrameSubmitted secondVersion(FrameSubmitted v1, byte[] bytes) throws Exception {
        BlobRef ref = kit.blobs.put(bytes, "image/x-exr").withImage(WorkerTestKit.SIZE, WorkerTestKit.SIZE, 3);
        UUID id = UUID.randomUUID();
        kit.db.repository(FrameRepository.class).save(new FrameEntity(id, v1.jobId(), v1.show(), v1.shot(), v1.layer(),
                v1.frameNumber(), 2, ref.uri().toString(), v1.sourcePath(), ref.sha256(), ref.size(), ref.mediaType(),
                WorkerTestKit.SIZE, WorkerTestKit.SIZE, 3, "submitted", null, "{}", Instant.now(), Instant.now()));
        return FrameSubmitted.of(id, v1.jobId(), v1.show(), v1.shot(), v1.layer(), v1.frameNumber(), 2, ref, v1.sourcePath(), Map.of());
    }
}
