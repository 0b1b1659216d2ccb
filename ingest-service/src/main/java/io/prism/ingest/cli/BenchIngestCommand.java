package io.prism.ingest.cli;

import io.prism.ingest.IngestConfig;
import io.prism.ingest.IngestService;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.service.ServiceContext;
import io.prism.platform.topics.TopicAdmin;
import io.prism.platform.topics.TopicSpec;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.image.FloatImage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prism bench-ingest}: how many frames per second the ingest service accepts — by path registration and by
 * upload of ~2 MB EXRs — and, in the same run on the same broker, how many messages of the same size a plain
 * kafka-clients producer (acks=all, idempotent, Prism's producer settings) writes per second. The ratio says what
 * validation, hashing, the blob store and the transactional outbox cost compared with pushing the bytes straight
 * into Kafka (which Prism deliberately does not do: messages carry references, the relay sends ~1 KB events).
 *
 * <p>"accepted" is until every request was answered 202 (durable in PostgreSQL + blob store); "on Kafka" is until
 * the outbox relay also published every event. Everything runs in this JVM on embedded Kafka and PostgreSQL unless
 * {@code --external} (then PRISM_KAFKA_BOOTSTRAP / PRISM_JDBC_URL / PRISM_BLOB_ROOT are used).
 */
@Command(name = "bench-ingest", mixinStandardHelpOptions = true,
        description = "Frames/s accepted by ingest (path registration, ~2 MB EXR uploads) vs raw kafka-clients producer throughput.")
public final class BenchIngestCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--frames", defaultValue = "60", description = "frames per mode (default ${DEFAULT-VALUE})") int frames;
    @Option(names = "--concurrency", defaultValue = "4", description = "parallel clients (default ${DEFAULT-VALUE})") int concurrency;
    @Option(names = "--megabytes", defaultValue = "2", description = "EXR size in MiB (default ${DEFAULT-VALUE})") double megabytes;
    @Option(names = "--validate-concurrency", defaultValue = "2", description = "PRISM_INGEST_VALIDATE_CONCURRENCY (default ${DEFAULT-VALUE})") int validateConcurrency;
    @Option(names = "--external", description = "use the PRISM_* environment instead of embedded Kafka/PostgreSQL") boolean external;
    @Option(names = "--dir", description = "working folder (default: a temporary one, deleted afterwards)") Path dir;

    private record Row(String mode, int n, double seconds, double bytesPerFrame) {
        double perSecond() { return n / seconds; }
        double mbPerSecond() { return n * bytesPerFrame / seconds / 1e6; }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean tempDir = dir == null;
        Path work = tempDir ? Files.createTempDirectory("prism-bench-ingest-") : Files.createDirectories(dir);
        EmbeddedInfrastructure infra = null;
        Vertx vertx = Vertx.vertx();
        ServiceContext ctx = null;
        IngestService service = null;
        try {
            PlatformConfig pc;
            if (external) {
                pc = PlatformConfig.from(Env.system());
            } else {
                out.println("starting embedded Kafka and PostgreSQL in " + work.resolve("infra") + " ...");
                out.flush();
                infra = new EmbeddedInfrastructure(work.resolve("infra")).start();
                pc = PlatformConfig.from(new Env(Map.of("PRISM_DATA_DIR", work.toString())))
                        .withInfrastructure(infra.kafkaBootstrapServers(), infra.jdbcUrl(), infra.dbUser(), infra.dbPassword())
                        .withBlobRoot(work.resolve("blobs"));
            }
            TopicAdmin.ensureTopics(pc.kafkaBootstrap());
            ctx = ServiceContext.open(vertx, pc);
            String token = "bench-" + UUID.randomUUID();
            Path renders = Files.createDirectories(work.resolve("renders"));
            Map<String, String> env = new HashMap<>();
            env.put("PRISM_INGEST_PORT", "0");
            env.put("PRISM_INGEST_HOST", "127.0.0.1");
            env.put("PRISM_RENDER_ROOTS", renders.toString());
            env.put("PRISM_WATCH_ENABLED", "false");
            env.put("PRISM_TOKENS", "bench:" + token + ":submit+read");
            env.put("PRISM_INGEST_TMP", work.resolve("tmp").toString());
            env.put("PRISM_INGEST_VALIDATE_CONCURRENCY", String.valueOf(validateConcurrency));
            service = new IngestService(IngestConfig.from(new Env(env)));
            service.deploy(ctx).toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
            URI base = URI.create("http://127.0.0.1:" + service.httpPort());

            int width = 1024;
            int height = Math.max(1, (int) Math.round(megabytes * (1 << 20) / (width * 3 * 2.0)));
            out.printf(Locale.ROOT, "writing %d + %d distinct %dx%d RGB half EXRs (uncompressed, %.2f MB each) ...%n",
                    frames, frames, width, height, exr(width, height, 0).length / 1e6);
            out.flush();
            List<Path> registered = writeFrames(renders.resolve("bench/sh010/beauty"), frames, width, height, 1);
            List<Path> uploaded = writeFrames(work.resolve("uploads"), frames, width, height, 1_000_000);
            long frameBytes = Files.size(registered.get(0));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            OutboxRepository outbox = ctx.database().repository(OutboxRepository.class);

            // Warm-up (JIT, connection pools), not counted.
            List<Path> warm = writeFrames(renders.resolve("warm/sh000/beauty"), 4, width, height, 2_000_000);
            run(4, i -> register(http, base, token, "warm", i, warm.get(i)));
            drain(outbox);

            List<Row> rows = new ArrayList<>();
            String job = "bench-register-" + UUID.randomUUID();
            long t0 = System.nanoTime();
            run(frames, i -> register(http, base, token, job, i, registered.get(i)));
            long t1 = System.nanoTime();
            drain(outbox);
            long t2 = System.nanoTime();
            rows.add(new Row("path registration: accepted (202)", frames, (t1 - t0) / 1e9, frameBytes));
            rows.add(new Row("path registration: on Kafka", frames, (t2 - t0) / 1e9, frameBytes));

            String job2 = "bench-upload-" + UUID.randomUUID();
            t0 = System.nanoTime();
            run(frames, i -> upload(http, base, token, job2, i, uploaded.get(i)));
            t1 = System.nanoTime();
            drain(outbox);
            t2 = System.nanoTime();
            rows.add(new Row(String.format(Locale.ROOT, "upload %.1f MB EXR: accepted (202)", frameBytes / 1e6), frames, (t1 - t0) / 1e9, frameBytes));
            rows.add(new Row(String.format(Locale.ROOT, "upload %.1f MB EXR: on Kafka", frameBytes / 1e6), frames, (t2 - t0) / 1e9, frameBytes));

            // Raw producer, same broker, messages the size of the frames (and, for scale, of one FrameSubmitted).
            // A scratch topic outside the catalogue (deploy manifests know only the prism.* topics).
            TopicSpec raw = new TopicSpec("bench-ingest-raw", 12, (short) 1, Map.of("retention.ms", "600000"), "none");
            TopicAdmin.ensureTopics(pc.kafkaBootstrap(), List.of(raw), (short) 0);
            Row rawBig = produce(pc.kafkaBootstrap(), raw.name(), registered, frames);
            byte[] event = EventCodec.encode(FrameSubmitted.of(UUID.randomUUID(), job, "bench", "sh010", "beauty", 1, 1,
                    new BlobRef(URI.create("blob:sha256:" + "0".repeat(64)), "0".repeat(64), frameBytes, "image/x-exr", width, height, 3),
                    registered.get(0).toString(), Map.of()));
            Row rawSmall = produceSmall(pc.kafkaBootstrap(), raw.name(), event, Math.max(frames, 1000));
            rows.add(rawBig);
            rows.add(rawSmall);

            out.println();
            out.printf(Locale.ROOT, "ingest benchmark: %d frames per mode, %d clients, validation concurrency %d, %d cores%n",
                    frames, concurrency, validateConcurrency, Runtime.getRuntime().availableProcessors());
            out.printf(Locale.ROOT, "%-44s %7s %9s %10s %9s %14s%n", "mode", "frames", "seconds", "frames/s", "MB/s", "vs raw 2MB");
            for (Row r : rows) {
                out.printf(Locale.ROOT, "%-44s %7d %9.2f %10.1f %9.1f %13.2fx%n", r.mode(), r.n(), r.seconds(),
                        r.perSecond(), r.mbPerSecond(), r.perSecond() / rawBig.perSecond());
            }
            out.println();
            out.println("accepted = every request answered 202 (frame durable in PostgreSQL + blob store, event in the outbox);");
            out.println("on Kafka = the outbox relay has also published every FrameSubmitted. Raw producer: acks=all, idempotent,");
            out.println("lz4, the frame bytes themselves as values (what ingest avoids: its events carry references).");
            out.flush();
            return 0;
        } finally {
            if (service != null) service.undeploy().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
            if (ctx != null) ctx.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
            if (infra != null) infra.close();
            if (tempDir) deleteTree(work);
        }
    }

    private void run(int n, IntFunction<String> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<String>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                fs.add(pool.submit(() -> task.apply(k)));
            }
            for (Future<String> f : fs) {
                String problem = f.get();
                if (problem != null) throw new IllegalStateException("a benchmark submission was not accepted: " + problem);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String register(HttpClient http, URI base, String token, String job, int i, Path file) {
        JsonObject body = new JsonObject().put("job", job).put("show", "bench").put("shot", "sh010").put("frame", i)
                .put("path", file.toString());
        return send(http, HttpRequest.newBuilder(base.resolve("/v1/frames/register"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build());
    }

    private static String upload(HttpClient http, URI base, String token, String job, int i, Path file) {
        try {
            String b = "----PrismFormBoundary" + UUID.randomUUID().toString().replace("-", "");
            StringBuilder head = new StringBuilder();
            Map<String, String> fields = Map.of("job", job, "show", "bench", "shot", "sh020", "frame", String.valueOf(i));
            fields.forEach((k, v) -> head.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"")
                    .append(k).append("\"\r\n\r\n").append(v).append("\r\n"));
            head.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
                    .append(file.getFileName()).append("\"\r\nContent-Type: image/x-exr\r\n\r\n");
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.concat(
                    HttpRequest.BodyPublishers.ofString(head.toString(), StandardCharsets.UTF_8),
                    HttpRequest.BodyPublishers.ofFile(file),
                    HttpRequest.BodyPublishers.ofString("\r\n--" + b + "--\r\n", StandardCharsets.UTF_8));
            return send(http, HttpRequest.newBuilder(base.resolve("/v1/frames")).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "multipart/form-data; boundary=" + b).POST(body).build());
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String send(HttpClient http, HttpRequest req) {
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 202 ? null : r.statusCode() + " " + r.body();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static void drain(OutboxRepository outbox) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (outbox.countPending() > 0) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the outbox did not drain in 5 minutes");
            Thread.sleep(20);
        }
    }

    private Row produce(String bootstrap, String topic, List<Path> files, int n) throws Exception {
        List<byte[]> values = new ArrayList<>();
        for (Path f : files) values.add(Files.readAllBytes(f));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(producerProps(bootstrap))) {
            p.send(new ProducerRecord<>(topic, "warm", values.get(0))).get(); // metadata + connection
            long t0 = System.nanoTime();
            List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < n; i++) acks.add(p.send(new ProducerRecord<>(topic, "bench-" + i, values.get(i % values.size()))));
            for (var a : acks) a.get(2, TimeUnit.MINUTES);
            double s = (System.nanoTime() - t0) / 1e9;
            return new Row(String.format(Locale.ROOT, "raw kafka-clients producer, %.1f MB msgs", values.get(0).length / 1e6), n, s, values.get(0).length);
        }
    }

    private Row produceSmall(String bootstrap, String topic, byte[] value, int n) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(producerProps(bootstrap))) {
            p.send(new ProducerRecord<>(topic, "warm", value)).get();
            long t0 = System.nanoTime();
            List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < n; i++) acks.add(p.send(new ProducerRecord<>(topic, "bench-" + (i % 64), value)));
            for (var a : acks) a.get(2, TimeUnit.MINUTES);
            double s = (System.nanoTime() - t0) / 1e9;
            return new Row("raw producer, FrameSubmitted-sized (" + value.length + " B)", n, s, value.length);
        }
    }

    private static java.util.Properties producerProps(String bootstrap) {
        Map<String, String> m = KafkaSettings.producer(bootstrap, "bench-ingest-raw");
        m.put("max.request.size", String.valueOf(8 << 20));
        m.put("buffer.memory", String.valueOf(256L << 20));
        m.put("delivery.timeout.ms", "120000");
        m.put("request.timeout.ms", "60000");
        m.put("max.block.ms", "60000");
        return KafkaSettings.toProperties(m);
    }

    private static List<Path> writeFrames(Path folder, int n, int w, int h, int seed) throws Exception {
        Files.createDirectories(folder);
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = folder.resolve(String.format(Locale.ROOT, "bench.%04d.exr", i));
            Files.write(f, exr(w, h, seed + i));
            out.add(f);
        }
        return out;
    }

    /** A distinct (noise) RGB half image, uncompressed, so its size is known in advance. */
    private static byte[] exr(int w, int h, long seed) {
        Random r = new Random(seed);
        float[][] planes = new float[3][w * h];
        for (float[] p : planes) for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
        FloatImage img = new FloatImage(w, h, List.of("R", "G", "B"), planes);
        return ExrWriter.encode(img, ExrWriteOptions.defaults().compression(Compression.NONE));
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temporary folder: best effort
        }
    }
}
