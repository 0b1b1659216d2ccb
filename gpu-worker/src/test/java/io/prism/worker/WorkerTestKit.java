package io.prism.worker;

import io.prism.platform.registry.ModelVersion;
import io.prism.platform.registry.ModelRegistry;
import io.prism.engine.ModelImport;
import io.prism.vision.testing.TestExrs;
import ai.djl.ndarray.NDManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.engine.Engines;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.model.UNetDenoiser;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.db.Database;
import io.prism.platform.db.FrameEntity;
import io.prism.worker.db.FrameRepository;
import io.prism.platform.db.JobEntity;
import io.prism.worker.db.JobRepository;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.testing.TestKit;
import io.prism.platform.topics.TopicAdmin;
import io.prism.platform.topics.TopicSpec;
import io.prism.platform.topics.Topics;
import io.prism.vision.image.FloatImage;
import io.prism.worker.inference.EngineBackend;
import io.prism.worker.inference.InferenceBackend;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the worker tests share: tiny real checkpoints made with the engine's API, frames submitted the way the
 * ingest service does it (blob + job/frame rows + FrameSubmitted on Kafka), a worker started on the real broker and
 * database, and readers for the results and dead-letter topics.
 */
final class WorkerTestKit implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    static final int SIZE = 32;
    private static Path shippedModels;

    Infrastructure infra;
    Path dir;
    PlatformConfig platform;
    Database db;
    BlobStore blobs;
    Vertx vertx;
    String framesTopic;
    String dlqTopic;
    String group;
    Producer<String, byte[]> producer;
    private final List<GpuWorker> workers = new ArrayList<>();
    private boolean ownsDir;

    /**
     * A kit for a whole test class ({@code @RegisterExtension static final WorkerTestKit kit = WorkerTestKit.perClass()}):
     * opened on the shared infrastructure in a temporary folder of its own before the class's first test, closed and
     * deleted after its last.
     */
    static WorkerTestKit perClass() {
        return new WorkerTestKit();
    }

    private WorkerTestKit() {
    }

    /** A kit on {@code infra} keeping its files under {@code dir}; the caller closes it. */
    WorkerTestKit(Infrastructure infra, Path dir) throws Exception {
        open(infra, dir);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        ownsDir = true;
        open(TestInfra.shared(), Files.createTempDirectory("prism-worker-test-"));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    private void open(Infrastructure infra, Path dir) throws Exception {
        this.infra = infra;
        this.dir = dir;
        this.vertx = Vertx.vertx();
        String id = UUID.randomUUID().toString().substring(0, 8);
        this.framesTopic = "test.frames." + id;
        this.dlqTopic = "test.frames.dlq." + id;
        this.group = "test-worker-" + id;
        TopicAdmin.ensureTopics(infra.kafkaBootstrapServers(), List.of(
                new TopicSpec(framesTopic, 4, (short) 1, Map.of(), "jobId"),
                new TopicSpec(dlqTopic, 1, (short) 1, Map.of(), "jobId")), (short) 1);
        this.platform = TestInfra.platformConfig(infra, dir.resolve("blobs"), Map.of());
        this.db = Database.start(platform);
        this.blobs = new FileBlobStore(platform.blobRoot());
        this.producer = new KafkaProducer<>(KafkaSettings.toProperties(KafkaSettings.producer(infra.kafkaBootstrapServers(), "test-" + id)));
    }

    /** Shipped-default stand-ins: tiny albedo and mask checkpoints (random weights, real architecture), made once per JVM. */
    static synchronized Path shippedModels() throws Exception {
        if (shippedModels == null) {
            Path d = Files.createTempDirectory("prism-worker-models-");
            tinyCheckpoint(d.resolve("albedo-v1"), "albedo", 1);
            tinyCheckpoint(d.resolve("mask-v1"), "mask", 2);
            shippedModels = d;
        }
        return shippedModels;
    }

    /** A tiny Prism UNet checkpoint (codec ×4, channels 8/16) with weights from {@code seed}. */
    static Path tinyCheckpoint(Path dir, String task, long seed) throws Exception {
        ModelSpec spec = ModelSpec.compact("tiny-" + task + "-" + seed, task, 4, List.of(8, 16), 4, 0);
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            UNetDenoiser d = new UNetDenoiser(spec.unet(), m);
            d.initialise(seed);
            new ModelCheckpoint(spec, d.exportWeights()).save(dir);
        }
        return dir;
    }

    /** Worker environment for tests: small batches, quick retries, a topic and group of its own. */
    Map<String, String> workerEnv(Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("PRISM_MODELS_DIR", shippedModels().toString());
        env.put("PRISM_WORKER_PORT", "0");
        env.put("PRISM_WORKER_TASKS", "albedo,mask");
        env.put("PRISM_WORKER_MASK_ENSEMBLE", "2");
        env.put("PRISM_WORKER_THREADS", "1");
        env.put("PRISM_WORKER_MAX_BATCH", "8");
        env.put("PRISM_WORKER_MAX_BATCH_DELAY", "10ms");
        env.put("PRISM_WORKER_RETRY_BACKOFF", "100ms");
        env.put("PRISM_WORKER_RETRY_BACKOFF_MAX", "1s");
        env.put("PRISM_WORKER_SESSION_TIMEOUT", "6s");
        env.put("PRISM_WORKER_GROUP", group);
        env.put("PRISM_WORKER_FRAMES_TOPIC", framesTopic);
        env.put("PRISM_WORKER_DLQ_TOPIC", dlqTopic);
        env.put("PRISM_WORKER_MODEL_CACHE", dir.resolve("model-cache").toString());
        env.putAll(extra);
        return env;
    }

    /**
     * Imports a diffusers folder ({@code prism models import}'s preparation), registers it as the next version of
     * {@code task}, promotes it and waits until {@code worker} serves it; returns the version.
     */
    int importAndPromote(GpuWorker worker, Path folder, String task) throws Exception {
        ModelRegistry registry = new ModelRegistry(db, blobs);
        TestKit.await("shipped v1 active", Duration.ofSeconds(60), () -> worker.models().activeVersion(task) == 1);
        ModelImport prepared = ModelImport.prepare(folder, task, dir.resolve("import-" + task));
        ModelVersion v = registry.register(task, prepared.files(), null, Map.of(), Map.of("source", folder.toString()), "imported");
        registry.promote(task, v.version(), "imported " + folder.getFileName());
        TestKit.await("the import swapped in", Duration.ofSeconds(60), () -> worker.models().activeVersion(task) == v.version());
        return v.version();
    }

    GpuWorker startWorker(Map<String, String> extra) throws Exception {
        return startWorker(extra, cfg -> new EngineBackend(cfg.device(), cfg.threads()));
    }

    /** A worker on a backend of the test's choosing (e.g. one that records what the models are fed). */
    GpuWorker startWorker(Map<String, String> extra, java.util.function.Function<WorkerConfig, InferenceBackend> backend) throws Exception {
        Map<String, String> env = workerEnv(extra);
        env.putIfAbsent("PRISM_WORKER_INSTANCE", "w" + workers.size());
        WorkerConfig cfg = WorkerConfig.from(new Env(env));
        GpuWorker w = GpuWorker.start(vertx, platform, cfg, db, blobs, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                backend.apply(cfg));
        workers.add(w);
        return w;
    }

    /** Stores the bytes, writes the job and frame rows, returns the FrameSubmitted (not yet published). */
    FrameSubmitted frame(String jobId, int number, byte[] bytes, Integer declaredW, Integer declaredH) throws Exception {
        BlobRef ref = blobs.put(bytes, "image/x-exr");
        if (declaredW != null) ref = ref.withImage(declaredW, declaredH, 3);
        UUID id = UUID.randomUUID();
        JobRepository jobs = db.repository(JobRepository.class);
        if (!jobs.existsById(jobId)) jobs.save(new JobEntity(jobId, "show", "sh010", "{}", null, null));
        db.repository(FrameRepository.class).save(new FrameEntity(id, jobId, "show", "sh010", "beauty", number, 1,
                ref.uri().toString(), "/farm/" + jobId + "/beauty." + number + ".exr", ref.sha256(), ref.size(), ref.mediaType(),
                declaredW, declaredH, declaredW == null ? null : 3, "submitted", null, "{}", Instant.now(), Instant.now()));
        return FrameSubmitted.of(id, jobId, "show", "sh010", "beauty", number, 1, ref, "/farm/" + jobId + "/beauty." + number + ".exr", Map.of());
    }

    /** {@code n} good frames over {@code jobs} jobs (so over several partitions). */
    List<FrameSubmitted> goodFrames(int n, int jobs, String prefix) throws Exception {
        List<FrameSubmitted> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(frame(prefix + "-job" + (i % jobs), i, TestExrs.linearBeauty(SIZE, SIZE, i), SIZE, SIZE));
        }
        return out;
    }

    void publish(FrameSubmitted f) throws Exception {
        producer.send(new ProducerRecord<>(framesTopic, f.key(), EventCodec.encode(f))).get(30, TimeUnit.SECONDS);
    }

    void publishRaw(String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(framesTopic, key, value)).get(30, TimeUnit.SECONDS);
    }

    long count(String sql) throws Exception {
        return TestKit.count(platform, sql);
    }

    static BooleanSupplier quietly(ThrowingSupplier s) {
        return () -> {
            try {
                return s.get();
            } catch (Exception e) {
                return false;
            }
        };
    }

    interface ThrowingSupplier {
        boolean get() throws Exception;
    }

    /** All records of a topic (from the beginning) whose decoded event matches, waiting until {@code expected} are seen. */
    List<PrismEvent> events(String topic, Set<UUID> frameIds, Predicate<PrismEvent> filter, int expected, Duration timeout) {
        List<PrismEvent> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records(topic, rec -> {
            PrismEvent e = EventCodec.decode(rec.value());
            return filter.test(e) && frameIds.contains(frameId(e));
        }, expected, timeout)) {
            out.add(EventCodec.decode(r.value()));
        }
        return out;
    }

    static UUID frameId(PrismEvent e) {
        if (e instanceof io.prism.platform.contracts.FrameProcessed p) return p.frameId();
        if (e instanceof io.prism.platform.contracts.FrameFailed f) return f.frameId();
        if (e instanceof FrameSubmitted s) return s.frameId();
        return null;
    }

    List<ConsumerRecord<String, byte[]>> records(String topic, Predicate<ConsumerRecord<String, byte[]>> filter, int expected, Duration timeout) {
        return TestKit.readFromStart(infra.kafkaBootstrapServers(), topic, filter, expected, timeout);
    }

    static String resultsTopic() {
        return Topics.RESULTS.name();
    }

    void stopWorker(GpuWorker w) {
        workers.remove(w);
        w.close();
    }

    @Override
    public void close() throws Exception {
        for (GpuWorker w : List.copyOf(workers)) stopWorker(w);
        producer.close(Duration.ofSeconds(5));
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        db.close();
        if (ownsDir) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }
}
