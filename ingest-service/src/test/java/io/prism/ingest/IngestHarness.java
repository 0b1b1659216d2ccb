package io.prism.ingest;

import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.service.ServiceContext;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.testing.TestKit;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A running ingest service for tests: real Kafka + PostgreSQL (a database of its own), a blob folder, render roots
 * and tokens of its own; plus HTTP and Kafka helpers.
 */
final class IngestHarness implements AutoCloseable {
    static final String SUBMIT_TOKEN = "farm-token-0123456789";
    static final String READ_TOKEN = "viewer-token-0123456789";
    static final String ADMIN_TOKEN = "ops-token-0123456789";

    final Path dir;
    final Path renders;
    final Infrastructure infra;
    final Vertx vertx;
    final ServiceContext ctx;
    final IngestConfig config;
    final PlatformConfig platform;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    IngestService service;

    private IngestHarness(Infrastructure infra, Map<String, String> overrides) throws Exception {
        this.infra = infra;
        this.dir = Files.createTempDirectory("prism-ingest-test-");
        this.renders = Files.createDirectories(dir.resolve("renders"));
        Map<String, String> env = new HashMap<>();
        env.put("PRISM_INGEST_PORT", "0");
        env.put("PRISM_INGEST_HOST", "127.0.0.1");
        env.put("PRISM_RENDER_ROOTS", renders.toString());
        env.put("PRISM_WATCH_ENABLED", "false");
        env.put("PRISM_INGEST_TMP", dir.resolve("tmp").toString());
        env.put("PRISM_TOKENS", "farm:" + SUBMIT_TOKEN + ":submit,viewer:" + READ_TOKEN + ":read,ops:" + ADMIN_TOKEN + ":admin");
        env.putAll(overrides);
        this.config = IngestConfig.from(new Env(env));
        PlatformConfig pc = TestInfra.platformConfig(infra, dir.resolve("blobs"), env);
        this.platform = pc;
        this.vertx = Vertx.vertx();
        this.ctx = ServiceContext.open(vertx, pc);
        deploy();
    }

    static IngestHarness start(Map<String, String> overrides) throws Exception {
        return new IngestHarness(TestInfra.shared(), overrides);
    }

    static IngestHarness start(Infrastructure infra, Map<String, String> overrides) throws Exception {
        return new IngestHarness(infra, overrides);
    }

    void deploy() throws Exception {
        service = new IngestService(config);
        service.deploy(ctx).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    void undeploy() throws Exception {
        service.undeploy().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.httpPort() + path);
    }

    HttpResponse<String> postJson(String path, JsonObject body, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A multipart upload: text fields, and files given as (file name, bytes). */
    HttpResponse<String> upload(String path, Map<String, String> fields, Map<String, Map.Entry<String, byte[]>> files,
                                String token) throws IOException, InterruptedException {
        String boundary = "b-" + UUID.randomUUID();
        List<HttpRequest.BodyPublisher> parts = new ArrayList<>();
        fields.forEach((k, v) -> parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n")));
        files.forEach((k, f) -> {
            parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                    + k + "\"; filename=\"" + f.getKey() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n"));
            parts.add(HttpRequest.BodyPublishers.ofByteArray(f.getValue()));
            parts.add(HttpRequest.BodyPublishers.ofString("\r\n"));
        });
        parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "--\r\n"));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(parts.toArray(HttpRequest.BodyPublisher[]::new)));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> uploadFrame(String job, int frame, String fileName, byte[] exr, String token)
            throws IOException, InterruptedException {
        return upload("/v1/frames", Map.of("job", job, "show", "show1", "shot", "sh010", "layer", "beauty",
                "frame", String.valueOf(frame)), Map.of("file", Map.entry(fileName, exr)), token);
    }

    long count(String sql, Object... args) throws SQLException {
        return TestKit.count(platform, sql, args);
    }

    /**
     * Reads a topic from the beginning and returns the events matching {@code filter}, waiting until at least
     * {@code expected} arrived and then a quiet second more (so that duplicates, had there been any, show up too).
     */
    <T extends PrismEvent> List<T> events(String topic, Class<T> type, Predicate<T> filter, int expected, Duration timeout) {
        return TestKit.readFromStart(infra.kafkaBootstrapServers(), topic, r -> {
            PrismEvent e = EventCodec.decode(r.value());
            return type.isInstance(e) && filter.test(type.cast(e));
        }, expected, timeout).stream().map(r -> type.cast(EventCodec.decode(r.value()))).toList();
    }

    static JsonObject json(HttpResponse<String> r) {
        return new JsonObject(r.body());
    }

    static String body(HttpResponse<String> r) {
        return r.statusCode() + " " + r.body();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        try {
            undeploy();
        } finally {
            ctx.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
