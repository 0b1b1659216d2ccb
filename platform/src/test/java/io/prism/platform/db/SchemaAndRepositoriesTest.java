package io.prism.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flyway migrates an empty database; platform's repositories (registry, outbox) and the constraints that keep their
 * data clean hold. The services' repositories are tested in their modules.
 */
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
        OutboxRepository outbox = db.repository(OutboxRepository.class);
        long before = outbox.count();
        assertThatThrownBy(() -> db.inTransaction(c -> {
            outbox.save(new OutboxEntity(null, "prism.frames.v1", "tx", "{}", Instant.now(), null, 0, null));
            throw new IllegalStateException("boom");
        })).hasMessageContaining("boom");
        assertThat(outbox.count()).isEqualTo(before);
    }
}
