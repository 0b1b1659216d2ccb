package io.prism.worker.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.db.Database;
import io.prism.platform.db.FrameEntity;
import io.prism.platform.db.JobEntity;
import io.prism.platform.db.ResultEntity;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker's writes against the real schema: a frame's outcome (superseded stays final) and idempotent results. */
class WorkerRepositoriesTest {
    static Database db;

    @BeforeAll
    static void start() {
        Infrastructure infra = TestInfra.shared();
        db = Database.start(TestInfra.freshDatabase(infra), infra.dbUser(), infra.dbPassword(), 4);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    static FrameEntity frame(String job, int number, String sha, int version, String status) {
        JobRepository jobs = db.repository(JobRepository.class);
        if (!jobs.existsById(job)) jobs.save(new JobEntity(job, "show", "sh010", "{}", null, null));
        Instant now = Instant.now();
        return db.repository(FrameRepository.class).save(new FrameEntity(UUID.randomUUID(), job, "show", "sh010", "beauty", number,
                version, "blob:sha256:" + sha, null, sha, 10, "image/x-exr", 64, 32, 4, status, null, "{}", now, now));
    }

    static ResultEntity result(UUID frameId, int modelVersion, String statistics) {
        return new ResultEntity(UUID.randomUUID(), frameId, "albedo", modelVersion, "4".repeat(64), 100, "image/x-exr", null, null,
                null, null, 64, 32, statistics, 12, Instant.now());
    }

    @Test
    void aFramesOutcomeIsRecordedButSupersededIsFinal() {
        FrameRepository frames = db.repository(FrameRepository.class);
        FrameEntity f = frame("job-s", 1001, "1".repeat(64), 1, "submitted");
        assertThat(frames.updateStatus(f.id(), "failed", "unreadable")).isEqualTo(1);
        assertThat(frames.findById(f.id()).orElseThrow().statusReason()).isEqualTo("unreadable");
        assertThat(frames.countByStatus("failed")).isEqualTo(1);
        assertThatThrownBy(() -> frames.updateStatus(f.id(), "exploded", null)).hasMessageContaining("check");
        // a late outcome for an old version changes nothing
        FrameEntity old = frame("job-s", 1002, "2".repeat(64), 1, "superseded");
        assertThat(frames.updateStatus(old.id(), "processed", null)).isZero();
        assertThat(frames.findById(old.id()).orElseThrow().status()).isEqualTo("superseded");
    }

    @Test
    void resultsAreUniquePerFrameTaskAndModelVersion() {
        ResultRepository results = db.repository(ResultRepository.class);
        FrameEntity f = frame("job-r", 7, "3".repeat(64), 1, "submitted");
        assertThat(results.insertIfAbsent(result(f.id(), 1, "{\"mean\":0.5}"))).isEqualTo(1);
        // A redelivered message writes nothing new.
        assertThat(results.insertIfAbsent(result(f.id(), 1, "{}"))).isEqualTo(0);
        assertThat(results.insertIfAbsent(result(f.id(), 2, "{}"))).isEqualTo(1);
        assertThat(results.findByFrameId(f.id())).hasSize(2);
        assertThat(results.findByFrameIdAndTaskAndModelVersion(f.id(), "albedo", 1).orElseThrow().statistics()).contains("0.5");
        assertThat(results.countByTask("albedo")).isEqualTo(2);
    }
}
