package io.prism.platform.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.db.Database;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/ready} reports the database, broker and blob store as they are, and a check that does not answer
 * within the deadline (a hung dependency) as DOWN instead of holding the probe.
 */
class HealthTest {
    @TempDir
    Path dir;

    @Test
    void readinessNamesEachDependencyAndAHangingCheckIsDown() throws Exception {
        Infrastructure infra = TestInfra.shared();
        Vertx vertx = Vertx.vertx();
        try (Database db = Database.start(TestInfra.freshDatabase(infra), infra.dbUser(), infra.dbPassword(), 2);
             FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
             Health.Broker broker = Health.broker(infra.kafkaBootstrapServers());
             Health.Broker noBroker = Health.broker("127.0.0.1:" + EmbeddedInfrastructure.freePort())) {
            Health health = new Health()
                    .check("database", Health.database(db.pooledDataSource()))
                    .check("broker", broker)
                    .check("blob-store", Health.blobStore(blobs));
            JsonObject up = ready(vertx, health);
            assertThat(up.getString("status")).isEqualTo("UP");
            assertThat(up.getJsonObject("checks").getMap()).containsEntry("database", "UP").containsEntry("broker", "UP")
                    .containsEntry("blob-store", "UP");

            health.check("gone-broker", noBroker).check("hung", () -> {
                try {
                    Thread.sleep(4_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            });
            JsonObject down = ready(vertx, health);
            assertThat(down.getString("status")).isEqualTo("DOWN");
            assertThat(down.getJsonObject("checks").getMap()).containsEntry("database", "UP").containsEntry("gone-broker", "DOWN")
                    .containsEntry("hung", "DOWN");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** GET /health/ready; the client waits a few deadlines at most, so a probe held by a hung check fails the test. */
    private static JsonObject ready(Vertx vertx, Health health) throws Exception {
        Router router = Router.router(vertx);
        health.mount(router, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        var server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + Health.READY)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonObject body = new JsonObject(r.body());
            assertThat(r.statusCode()).isEqualTo("UP".equals(body.getString("status")) ? 200 : 503);
            return body;
        } finally {
            server.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
