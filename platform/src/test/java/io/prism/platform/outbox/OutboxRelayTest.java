package io.prism.platform.outbox;

import static io.prism.platform.testing.TestKit.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prism.platform.db.Database;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.topics.Topics;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
            long id = db.inTransaction(c -> insert(c, payload));
            vertx.deployVerticle(new OutboxRelay(db, infra.kafkaBootstrapServers(), new SimpleMeterRegistry(),
                    Duration.ofMillis(50), Duration.ofMillis(200), 10)).toCompletionStage().toCompletableFuture().get();

            await("two recorded failures", Duration.ofSeconds(60), () -> db.inTransaction(c -> attempts(c, id)) >= 2);

            db.inTransaction(c -> {
                try (PreparedStatement s = c.prepareStatement("SELECT published_at, last_error FROM outbox WHERE id = ?")) {
                    s.setLong(1, id);
                    ResultSet rs = s.executeQuery();
                    rs.next();
                    assertThat(rs.getObject(1)).isNull();
                    assertThat(rs.getString(2)).contains("outbox row " + id).contains("RecordTooLarge");
                    return null;
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private static long insert(Connection c, String payload) {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO outbox (topic, record_key, payload) VALUES (?, 'k', ?::jsonb) RETURNING id")) {
            s.setString(1, Topics.FRAMES.name());
            s.setString(2, payload);
            ResultSet rs = s.executeQuery();
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int attempts(Connection c, long id) {
        try (PreparedStatement s = c.prepareStatement("SELECT attempts FROM outbox WHERE id = ?")) {
            s.setLong(1, id);
            ResultSet rs = s.executeQuery();
            rs.next();
            return rs.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
