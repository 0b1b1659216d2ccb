package io.prism.ingest.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.db.Database;
import io.prism.platform.db.FrameEntity;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ingest's frame and job rows against the real schema: idempotent jobs, one row per version, the newest version. */
class FrameAndJobRepositoryTest {
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

    static FrameEntity frame(String job, int number, String sha, int version) {
        Instant now = Instant.now();
        return new FrameEntity(UUID.randomUUID(), job, "show", "sh010", "beauty", number, version, "blob:sha256:" + sha, null,
                sha, 10, "image/x-exr", 64, 32, 4, "submitted", null, "{}", now, now);
    }

    @Test
    void jobsAreCreatedOnceAndFrameVersionsAreUnique() {
        JobRepository jobs = db.repository(JobRepository.class);
        FrameRepository frames = db.repository(FrameRepository.class);
        assertThat(jobs.insertIfAbsent("job-a", "show", "sh010", "{\"farm\":\"deadline\"}")).isEqualTo(1);
        assertThat(jobs.insertIfAbsent("job-a", "show", "sh010", "{}")).isEqualTo(0);
        assertThat(jobs.findById("job-a").orElseThrow().attributes()).contains("deadline");
        String sha = "1".repeat(64);
        FrameEntity f = frames.save(frame("job-a", 1001, sha, 1));
        assertThat(frames.findById(f.id())).get().extracting(FrameEntity::sha256).isEqualTo(sha);
        assertThat(frames.findNewestVersion("job-a", "beauty", 1001)).get().extracting(FrameEntity::id).isEqualTo(f.id());
        // Two rows cannot claim the same version...
        assertThatThrownBy(() -> frames.save(frame("job-a", 1001, "2".repeat(64), 1))).hasMessageContaining("frames_version_once");
        frames.save(frame("job-a", 1001, "2".repeat(64), 2));
        // ...but earlier bytes may come back as a newer version (A -> B -> A).
        FrameEntity v3 = frames.save(frame("job-a", 1001, sha, 3));
        assertThat(frames.findNewestVersion("job-a", "beauty", 1001)).get().extracting(FrameEntity::id).isEqualTo(v3.id());
        assertThat(frames.findNewestVersion("job-a", "beauty", 1002)).isEmpty();
    }

    @Test
    void aFailedTransactionCreatesNoJob() {
        JobRepository jobs = db.repository(JobRepository.class);
        assertThatThrownBy(() -> db.inTransaction(c -> {
            jobs.insertIfAbsent("job-tx", "show", "sh", "{}");
            throw new IllegalStateException("boom");
        })).hasMessageContaining("boom");
        assertThat(jobs.findById("job-tx")).isEmpty();
    }
}
