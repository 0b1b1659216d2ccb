package io.prism.launcher;

import io.prism.vision.testing.TestExrs;
import static io.prism.platform.testing.TestKit.await;
import static io.prism.platform.testing.TestKit.count;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.prism.engine.Engines;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.model.UNetDenoiser;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameProcessed;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.infra.EmbeddedPostgresServer;
import io.prism.platform.testing.TestKit;
import io.prism.platform.topics.Topics;
import io.prism.vision.image.FloatImage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a host crash does to the infrastructure, with everything in its own process as in production: {@code prism
 * infra} (Kafka + PostgreSQL) in one JVM, {@code prism serve ingest-service gpu-worker} in another, a farm uploading
 * frames continuously from this one. Mid-run the infra JVM and every PostgreSQL process are killed with SIGKILL and
 * {@code prism infra} is started again on the same folder; then the services process (ingest mid-upload, the worker
 * mid-batch) is killed the same way and started again. Every frame that was acknowledged (HTTP 202) — before,
 * between or after the crashes — ends processed exactly once: one row, one result, one distinct {@code FrameProcessed}
 * (a republished outbox row repeats its message id), and no dead letter.
 */
class CrashTest {
    private static final String TOKEN = "crash-test-secret";
    private static final int SIZE = 32;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @Test
    void framesAcknowledgedAroundAKilledDatabaseAndBrokerAreProcessedExactlyOnce() throws Exception {
        int kafkaPort = EmbeddedInfrastructure.freePort();
        int pgPort = EmbeddedInfrastructure.freePort();
        int ingestPort = EmbeddedInfrastructure.freePort();
        Path infraDir = dir.resolve("infra");
        Path models = tinyAlbedoModel(dir.resolve("models"));
        String jdbcUrl = "jdbc:postgresql://127.0.0.1:" + pgPort + "/" + EmbeddedPostgresServer.DATABASE;

        Process infra = startInfra(infraDir, kafkaPort, pgPort, "infra-1");
        Map<String, String> env = new HashMap<>();
        env.put("PRISM_KAFKA_BOOTSTRAP", "127.0.0.1:" + kafkaPort);
        env.put("PRISM_JDBC_URL", jdbcUrl);
        env.put("PRISM_DATA_DIR", dir.resolve("services").toString());
        env.put("PRISM_TOKENS", "farm:" + TOKEN + ":submit+read");
        env.put("PRISM_INGEST_HOST", "127.0.0.1");
        env.put("PRISM_INGEST_PORT", Integer.toString(ingestPort));
        env.put("PRISM_WORKER_HOST", "127.0.0.1");
        env.put("PRISM_WORKER_PORT", "0");
        env.put("PRISM_WORKER_TASKS", "albedo");
        env.put("PRISM_WORKER_THREADS", "1");
        env.put("PRISM_WORKER_RETRY_BACKOFF_MAX", "1s");
        env.put("PRISM_MODELS_DIR", models.toString());
        Process services = start(List.of("serve", "ingest-service", "gpu-worker"), env, "services-1");
        awaitHttp200("http://127.0.0.1:" + ingestPort + "/health/ready", Duration.ofMinutes(3));

        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        Thread farm = new Thread(() -> publishUntilStopped(ingestPort, acknowledged, refused, publishing), "farm");
        farm.start();
        try {
            await("25 acknowledged frames", Duration.ofMinutes(2), () -> acknowledged.size() >= 25);
            // The crash: the infra JVM (Kafka) and every PostgreSQL process, with SIGKILL, while frames keep coming.
            long postmaster = Long.parseLong(Files.readAllLines(infraDir.resolve("postgres/postmaster.pid")).get(0).trim());
            List<ProcessHandle> postgres = new ArrayList<>();
            ProcessHandle.of(postmaster).ifPresent(pm -> {
                postgres.add(pm);
                pm.descendants().forEach(postgres::add);
            });
            assertThat(postgres).as("PostgreSQL processes of prism infra").isNotEmpty();
            infra.destroyForcibly();
            postgres.forEach(ProcessHandle::destroyForcibly);
            infra.waitFor();
            int beforeRestart = acknowledged.size();
            Thread.sleep(2000); // frames arrive while nothing runs: refused (503), never acknowledged
            startInfra(infraDir, kafkaPort, pgPort, "infra-2");
            await((beforeRestart + 15) + " acknowledged frames", Duration.ofMinutes(3), () -> acknowledged.size() >= beforeRestart + 15);
            // The same for the services: ingest mid-upload and the worker mid-batch, with SIGKILL, then started again.
            services.destroyForcibly();
            services.waitFor();
            int beforeServicesRestart = acknowledged.size();
            start(List.of("serve", "ingest-service", "gpu-worker"), env, "services-2");
            await((beforeServicesRestart + 15) + " acknowledged frames", Duration.ofMinutes(3), () -> acknowledged.size() >= beforeServicesRestart + 15);
        } finally {
            publishing.set(false);
            farm.join();
        }

        try (Connection c = DriverManager.getConnection(jdbcUrl, EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD)) {
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            while (count(c, "SELECT count(*) FROM frames WHERE status = 'processed'") < acknowledged.size() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            Set<UUID> processed = ids(c, "SELECT id FROM frames WHERE status = 'processed'");
            assertThat(processed).as("every acknowledged frame has a row and is processed").containsAll(acknowledged);
            for (UUID id : acknowledged) {
                assertThat(count(c, "SELECT count(*) FROM results WHERE frame_id = '" + id + "'")).as("results of " + id).isEqualTo(1);
            }
        }
        Map<UUID, Set<UUID>> announced = announcedResults(kafkaPort);
        for (UUID id : acknowledged) {
            assertThat(announced.getOrDefault(id, Set.of())).as("distinct FrameProcessed of " + id).hasSize(1);
        }
        assertThat(deadLetters(kafkaPort)).as("dead letters").isZero();
        assertThat(refused.get()).as("uploads refused while the database and broker were down").isPositive();
        System.out.printf("crash test: %d frames acknowledged around the kill (%d refused while it was down), all processed exactly once%n",
                acknowledged.size(), refused.get());
    }

    /** Uploads a new frame every few milliseconds; records the id of each one answered 202. */
    private static void publishUntilStopped(int ingestPort, Set<UUID> acknowledged, AtomicInteger refused, AtomicBoolean publishing) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (int n = 1; publishing.get(); n++) {
            try {
                HttpResponse<String> r = upload(http, ingestPort, n);
                if (r.statusCode() == 202) {
                    acknowledged.add(UUID.fromString(new JsonObject(r.body()).getString("frameId")));
                } else {
                    refused.incrementAndGet();
                }
            } catch (Exception notAnswered) {
                refused.incrementAndGet(); // not acknowledged: the farm would retry it
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static HttpResponse<String> upload(HttpClient http, int port, int frame) throws Exception {
        String boundary = "b-" + UUID.randomUUID();
        StringBuilder head = new StringBuilder();
        Map<String, String> fields = Map.of("job", "crash", "show", "show", "shot", "sh010", "layer", "beauty", "frame", Integer.toString(frame));
        fields.forEach((k, v) -> head.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"")
                .append(k).append("\"\r\n\r\n").append(v).append("\r\n"));
        head.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"crash.")
                .append(frame).append(".exr\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/frames"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofString(head.toString()),
                        HttpRequest.BodyPublishers.ofByteArray(beauty(frame)),
                        HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n")))
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] beauty(int seed) {
        float[][] p = new float[3][SIZE * SIZE];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < SIZE * SIZE; i++) p[c][i] = ((seed * 31 + c * 7 + i) % 97) / 97f;
        }
        return TestExrs.encode(new FloatImage(SIZE, SIZE, List.of("R", "G", "B"), p));
    }

    private Process startInfra(Path infraDir, int kafkaPort, int pgPort, String name) throws Exception {
        Process p = start(List.of("infra", "--dir", infraDir.toString(), "--kafka-port", Integer.toString(kafkaPort),
                "--pg-port", Integer.toString(pgPort)), Map.of(), name);
        Path log = dir.resolve(name + ".log");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Files.readString(log, StandardCharsets.ISO_8859_1).contains("Prism infrastructure is up")) {
            if (!p.isAlive()) throw new AssertionError(name + " exited: " + Files.readString(log, StandardCharsets.ISO_8859_1));
            if (System.nanoTime() > deadline) throw new AssertionError(name + " did not come up");
            Thread.sleep(200);
        }
        return p;
    }

    /** {@code prism <args>} as a process of its own, on this test's class path; output to {@code <name>.log}. */
    private Process start(List<String> args, Map<String, String> env, String name) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), PrismCli.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PRISM_"));
        pb.environment().putAll(env);
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().put("DJL_OFFLINE", "true");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    @org.junit.jupiter.api.AfterEach
    void stopProcesses() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
        }
        // PostgreSQL daemonises away from prism infra: stop it by its lock file.
        Path pid = dir.resolve("infra/postgres/postmaster.pid");
        if (Files.exists(pid)) {
            ProcessHandle.of(Long.parseLong(Files.readAllLines(pid).get(0).trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static Path tinyAlbedoModel(Path models) throws Exception {
        ModelSpec spec = ModelSpec.compact("tiny-albedo", "albedo", 4, List.of(8, 16), 4, 0);
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            UNetDenoiser d = new UNetDenoiser(spec.unet(), m);
            d.initialise(1);
            new ModelCheckpoint(spec, d.exportWeights()).save(models.resolve("albedo-v1"));
        }
        return models;
    }

    private static void awaitHttp200(String url, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) return;
            } catch (Exception notYet) {
                // starting
            }
            if (System.nanoTime() > deadline) throw new AssertionError(url + " never answered 200");
            Thread.sleep(500);
        }
    }

    private static Set<UUID> ids(Connection c, String sql) throws Exception {
        Set<UUID> out = new HashSet<>();
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) out.add(UUID.fromString(rs.getString(1)));
        }
        return out;
    }

    /** frame id → distinct message ids of its FrameProcessed events on prism.results.v1. */
    private static Map<UUID, Set<UUID>> announcedResults(int kafkaPort) {
        Map<UUID, Set<UUID>> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(kafkaPort, Topics.RESULTS.name())) {
            PrismEvent e = EventCodec.decode(r.value());
            if (e instanceof FrameProcessed p) out.computeIfAbsent(p.frameId(), k -> new HashSet<>()).add(p.messageId());
        }
        return out;
    }

    private static int deadLetters(int kafkaPort) {
        return readAll(kafkaPort, Topics.FRAMES_DLQ.name()).size();
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(int kafkaPort, String topic) {
        return TestKit.readFromStart("127.0.0.1:" + kafkaPort, topic, r -> true, 0, Duration.ofSeconds(60));
    }
}
