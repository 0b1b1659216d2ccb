package io.prism.platform.outbox;

import static io.prism.platform.testing.TestKit.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prism.platform.db.Database;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.testing.TestKit;
import io.prism.platform.topics.Topics;
import io.vertx.core.Vertx;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A row the broker refuses stays unpublished and carries the failure: {@code attempts} counts, {@code last_error} says why. */
class OutboxRelayTest {

    @Test
    void refusedPublishIsRecordedOnTheRow() throws Exception {
        Infrastructure infra = TestInfra.shared();
        String url = TestInfra.freshDatabase(infra);
        Vertx vertx = Vertx.vertx();
        try (Database db = Database.start(url, infra.dbUser(), infra.dbPassword(), 2)) {
            // Over the producer's max.request.size (1 MiB): Kafka refuses it on every try.
            String payload = "{\"pad\":\"" + "x".repeat(2 << 20) + "\"}";
            long id = number(db, "INSERT INTO outbox (topic, record_key, payload) VALUES (?, 'k', ?::jsonb) RETURNING id",
                    Topics.FRAMES.name(), payload);
            vertx.deployVerticle(new OutboxRelay(db, infra.kafkaBootstrapServers(), new SimpleMeterRegistry(),
                    Duration.ofMillis(50), Duration.ofMillis(200), 10)).toCompletionStage().toCompletableFuture().get();

            await("two recorded failures", Duration.ofSeconds(60),
                    () -> number(db, "SELECT attempts FROM outbox WHERE id = ?", id) >= 2);

            assertThat(number(db, "SELECT count(*) FROM outbox WHERE id = ? AND published_at IS NULL"
                    + " AND last_error LIKE '%outbox row ' || ? || '%' AND last_error LIKE '%RecordTooLarge%'", id, id))
                    .as("unpublished, with the row and Kafka's reason in last_error").isEqualTo(1);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private static long number(Database db, String sql, Object... args) {
        return db.inTransaction(c -> {
            try {
                return TestKit.count(c, sql, args);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
