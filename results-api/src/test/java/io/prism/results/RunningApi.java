package io.prism.results;

import io.prism.platform.config.PlatformConfig;
import io.prism.platform.service.ServiceContext;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.auth.ApiTokens;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** results-api deployed for a test class: real PostgreSQL (a fresh database), a real blob store, a real HTTP port. */
final class RunningApi implements AutoCloseable {
    static final String READER = "reader-secret-0001";
    static final String ADMIN = "admin-secret-0001";
    static final String SUBMITTER = "submit-secret-0001";
    static final String TOKENS = "reader:" + READER + ":read,admin:" + ADMIN + ":admin,farm:" + SUBMITTER + ":submit";

    final Vertx vertx;
    final ServiceContext context;
    final ResultsApiService service;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    RunningApi(boolean publicRead) throws Exception {
        this(publicRead, false);
    }

    /** With {@code outboxRelay}, reprocess requests are published to the shared test broker. */
    RunningApi(boolean publicRead, boolean outboxRelay) throws Exception {
        this(TestInfra.platformConfig(Files.createTempDirectory("results-api-blobs-")), publicRead, outboxRelay);
    }

    /** Against the given infrastructure (a database server of the test's own, to stop and start). */
    RunningApi(PlatformConfig platform, boolean publicRead, boolean outboxRelay) throws Exception {
        vertx = Vertx.vertx();
        context = ServiceContext.open(vertx, platform);
        service = new ResultsApiService(new ResultsApiConfig("127.0.0.1", 0, 1, ApiTokens.parse(TOKENS), publicRead,
                100, 1000, 10_000, 16L * 1024 * 1024, 64, outboxRelay));
        service.deploy(context).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    String base() {
        return "http://127.0.0.1:" + service.port();
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> bytes(String path, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) b.header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> post(String path, String token, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        service.undeploy().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        context.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
