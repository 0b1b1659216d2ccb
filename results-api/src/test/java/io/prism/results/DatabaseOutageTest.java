package io.prism.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.infra.EmbeddedPostgresServer;
import io.prism.platform.testing.TestInfra;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With its database down, results-api says so: {@code /health/ready} answers 503 naming the database (within its one
 * second deadline), and API requests get a 503 problem with {@code Retry-After} once the pool gives up
 * ({@code PRISM_DB_CONNECT_TIMEOUT}) instead of a 500 after the driver's timeout; both recover with the database.
 * A PostgreSQL server of the test's own, stopped and started.
 */
class DatabaseOutageTest {
    @TempDir
    Path dir;

    @Test
    void outageGivesNotReadyAndQuick503ProblemsWithRetryAfterThenRecovers() throws Exception {
        EmbeddedPostgresServer pg = new EmbeddedPostgresServer(dir.resolve("pg"), EmbeddedInfrastructure.freePort()).start();
        PlatformConfig platform = PlatformConfig.from(new Env(Map.of("PRISM_DB_CONNECT_TIMEOUT", "1s")))
                .withInfrastructure(TestInfra.shared().kafkaBootstrapServers(), pg.jdbcUrl(), EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD)
                .withBlobRoot(dir.resolve("blobs"));
        try (RunningApi api = new RunningApi(platform, false, false)) {
            HttpResponse<String> ready = api.get("/health/ready", null);
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(new JsonObject(ready.body()).getJsonObject("checks").fieldNames()).contains("database", "broker", "blob-store");
            assertThat(api.get("/api/v1/jobs", RunningApi.READER).statusCode()).isEqualTo(200);

            pg.stop();
            HttpResponse<String> down = api.get("/health/ready", null);
            assertThat(down.statusCode()).isEqualTo(503);
            JsonObject checks = new JsonObject(down.body()).getJsonObject("checks");
            assertThat(checks.getString("database")).isEqualTo("DOWN");
            assertThat(checks.getString("broker")).isEqualTo("UP");
            for (String path : new String[] {"/api/v1/jobs", "/api/v1/jobs/job-1/frames"}) {
                HttpResponse<String> r = api.get(path, RunningApi.READER);
                assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(503);
                assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
                assertThat(r.headers().firstValue("retry-after")).hasValue("5");
                assertThat(new JsonObject(r.body()).getString("detail")).contains("database is unavailable");
            }

            pg.start();
            HttpResponse<String> back = null;
            for (int i = 0; i < 100 && (back == null || back.statusCode() != 200); i++) {
                if (back != null) Thread.sleep(200);
                back = api.get("/api/v1/jobs", RunningApi.READER);
            }
            assertThat(back.statusCode()).as("recovers with the database").isEqualTo(200);
            assertThat(api.get("/health/ready", null).statusCode()).isEqualTo(200);
        } finally {
            pg.stop();
        }
    }
}
