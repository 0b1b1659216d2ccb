package io.prism.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Flyway migrates an empty database; the repositories do CRUD; the constraints that keep data clean hold. */
class SchemaAndRepositoriesTest {
    static Database db;
    static String url;

    @BeforeAll
    static void start() {
        Infrastructure infra = TestInfra.shared();
        url = TestInfra.freshDatabase(infra);
        db = Database.start(url, infra.dbUser(), infra.dbPassword(), 4);
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
    void emptyDatabaseIsMigratedWithAllTables() throws Exception {
        Infrastructure infra = TestInfra.shared();
        try (Connection c = DriverManager.getConnection(url, infra.dbUser(), infra.dbPassword())) {
            ResultSet rs = c.createStatement().executeQuery(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
            var names = new java.util.ArrayList<String>();
            while (rs.next()) names.add(rs.getString(1));
            assertThat(names).contains("jobs", "frames", "results", "training_pairs", "model_versions", "training_runs",
                    "outbox", "leases", "flyway_schema_history");
        }
        // Migrating again is a no-op.
        Database.migrate(url, infra.dbUser(), infra.dbPassword());
    }

    @Test
    void framesCrudAndIdempotencyConstraints() {
        JobRepository jobs = db.repository(JobRepository.class);
        FrameRepository frames = db.repository(FrameRepository.class);
        assertThat(jobs.insertIfAbsent("job-a", "show", "sh010", "{\"farm\":\"deadline\"}")).isEqualTo(1);
        assertThat(jobs.insertIfAbsent("job-a", "show", "sh010", "{}")).isEqualTo(0);
        String sha = "1".repeat(64);
        FrameEntity f = frames.save(frame("job-a", 1001, sha, 1));
        assertThat(frames.findById(f.id())).get().extracting(FrameEntity::sha256).isEqualTo(sha);
        assertThat(frames.findNewestVersion("job-a", "beauty", 1001)).get().extracting(FrameEntity::id).isEqualTo(f.id());
        assertThat(frames.maxFrameVersion("job-a", "beauty", 1001)).isEqualTo(1);
        // Two rows cannot claim the same version...
        assertThatThrownBy(() -> frames.save(frame("job-a", 1001, "2".repeat(64), 1))).hasMessageContaining("frames_version_once");
        FrameEntity v2 = frames.save(frame("job-a", 1001, "2".repeat(64), 2));
        // ...but earlier bytes may come back as a newer version (A -> B -> A).
        FrameEntity v3 = frames.save(frame("job-a", 1001, sha, 3));
        assertThat(frames.maxFrameVersion("job-a", "beauty", 1001)).isEqualTo(3);
        assertThat(frames.findNewestVersion("job-a", "beauty", 1001)).get().extracting(FrameEntity::id).isEqualTo(v3.id());
        assertThat(frames.updateStatus(f.id(), "failed", "unreadable")).isEqualTo(1);
        assertThat(frames.findById(f.id()).orElseThrow().statusReason()).isEqualTo("unreadable");
        assertThatThrownBy(() -> frames.updateStatus(f.id(), "exploded", null)).hasMessageContaining("check");
        // superseded is final: a late outcome for an old version changes nothing
        markSuperseded(v2.id());
        assertThat(frames.updateStatus(v2.id(), "processed", null)).isZero();
        assertThat(frames.findById(v2.id()).orElseThrow().status()).isEqualTo("superseded");
    }

    private static void markSuperseded(UUID id) {
        Infrastructure infra = TestInfra.shared();
        try (Connection c = DriverManager.getConnection(url, infra.dbUser(), infra.dbPassword())) {
            c.createStatement().execute("UPDATE frames SET status = 'superseded' WHERE id = '" + id + "'");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static ResultEntity result(UUID frameId, int modelVersion, String sha, String statistics) {
        return new ResultEntity(UUID.randomUUID(), frameId, "albedo", modelVersion, sha, 100, "image/x-exr", null, null, null, null,
                64, 32, statistics, 12, Instant.now());
    }

    @Test
    void resultsAreUniquePerFrameTaskAndModelVersion() {
        db.repository(JobRepository.class).insertIfAbsent("job-r", "show", "sh020", "{}");
        FrameEntity f = db.repository(FrameRepository.class).save(frame("job-r", 7, "3".repeat(64), 1));
        ResultRepository results = db.repository(ResultRepository.class);
        String sha = "4".repeat(64);
        assertThat(results.insertIfAbsent(result(f.id(), 1, sha, "{\"mean\":0.5}"))).isEqualTo(1);
        // A redelivered message writes nothing new.
        assertThat(results.insertIfAbsent(result(f.id(), 1, sha, "{}"))).isEqualTo(0);
        assertThat(results.insertIfAbsent(result(f.id(), 2, sha, "{}"))).isEqualTo(1);
        assertThat(results.findByFrameId(f.id())).hasSize(2);
        assertThat(results.findByFrameIdAndTaskAndModelVersion(f.id(), "albedo", 1).orElseThrow().statistics()).contains("0.5");
    }

    @Test
    void atMostOneActiveModelVersionPerTask() {
        ModelVersionRepository models = db.repository(ModelVersionRepository.class);
        Instant now = Instant.now();
        models.save(new ModelVersionEntity(null, "mask", 1, "blob:sha256:" + "5".repeat(64), "5".repeat(64), 10, null, "active", "{}", "{}", null, now, now));
        models.save(new ModelVersionEntity(null, "mask", 2, "blob:sha256:" + "6".repeat(64), "6".repeat(64), 10, 1, "candidate", "{\"iou\":0.9}", "{}", null, now, null));
        assertThatThrownBy(() -> models.updateStatus("mask", 2, "active")).hasMessageContaining("model_versions_one_active");
        assertThat(models.updateStatus("mask", 1, "retired")).isEqualTo(1);
        assertThat(models.updateStatus("mask", 2, "active")).isEqualTo(1);
        assertThat(models.findByTaskAndStatus("mask", "active").orElseThrow().version()).isEqualTo(2);
        assertThat(models.maxVersion("mask")).isEqualTo(2);
        assertThatThrownBy(() -> models.save(new ModelVersionEntity(null, "mask", 2, "x", "7".repeat(64), 1, null, "candidate", "{}", "{}", null, now, null)))
                .hasMessageContaining("model_versions_once");
    }

    @Test
    void outboxRowsAreLockedOncePerRelay() {
        OutboxRepository outbox = db.repository(OutboxRepository.class);
        long before = outbox.countPending();
        outbox.save(new OutboxEntity(null, "prism.frames.v1", "job", "{\"a\":1}", Instant.now(), null, 0, null));
        assertThat(outbox.countPending()).isEqualTo(before + 1);
        db.inTransaction(c -> {
            var rows = outbox.lockPending(10);
            assertThat(rows).isNotEmpty();
            rows.forEach(r -> outbox.markPublished(r.id()));
            return null;
        });
        assertThat(outbox.countPending()).isZero();
    }

    @Test
    void transactionRollsBackEverythingOnFailure() {
        JobRepository jobs = db.repository(JobRepository.class);
        assertThatThrownBy(() -> db.inTransaction(c -> {
            jobs.insertIfAbsent("job-tx", "show", "sh", "{}");
            throw new IllegalStateException("boom");
        })).hasMessageContaining("boom");
        assertThat(jobs.findById("job-tx")).isEmpty();
    }
}
