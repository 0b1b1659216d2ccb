package io.prism.worker;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.health.Health;
import io.prism.platform.outbox.OutboxRelay;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.topics.TopicAdmin;
import io.prism.worker.inference.InferenceBackend;
import io.prism.worker.model.ModelManager;
import io.prism.worker.model.ModelWatcherVerticle;
import io.prism.worker.pipeline.BatchQueue;
import io.prism.worker.pipeline.DeadLetters;
import io.prism.worker.pipeline.FrameDecoder;
import io.prism.worker.pipeline.ResultWriter;
import io.prism.worker.pipeline.WriteBack;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gpu-worker: the model manager plus its stages, wired in a straight line — consume
 * ({@link FrameConsumerVerticle}) → prepare ({@link PrepareVerticle}) → batch ({@link BatchQueue}) → infer
 * ({@link InferenceVerticle}) → write ({@link ResultWriterVerticle}) → announce ({@link OutboxRelay}) — beside them
 * the model follower ({@link ModelWatcherVerticle}) and health/metrics ({@link HttpVerticle}). Each stage hands
 * forward to the next; the only thing that flows back is a record's receipt ({@link io.prism.platform.kafka.PollingConsumer.Receipt}),
 * carried with the frame. This class only wires: it builds the stages from the last to the first, so that each gets
 * its successor, and stops them from the first to the last. {@link GpuWorkerService} runs it under
 * {@code prism serve gpu-worker} and in the all-in-one runtime; tests and the benchmark start it directly.
 */
public final class GpuWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GpuWorker.class);

    private final Vertx vertx;
    private final WorkerConfig cfg;
    private final ModelManager models;
    private final WorkerMetrics metrics;
    private final Health health;
    private final Health.Broker readinessBroker;
    private final DeadLetters deadLetters;
    private final Deque<String> deployments = new ArrayDeque<>();
    private HttpVerticle http;
    private FrameConsumerVerticle consumer;

    private GpuWorker(Vertx vertx, WorkerConfig cfg, ModelManager models, WorkerMetrics metrics, Health health,
                      Health.Broker readinessBroker, DeadLetters deadLetters) {
        this.vertx = vertx;
        this.cfg = cfg;
        this.models = models;
        this.metrics = metrics;
        this.health = health;
        this.readinessBroker = readinessBroker;
        this.deadLetters = deadLetters;
    }

    /**
     * Starts a worker (blocking: loads models; call off the event loop). The shared infrastructure comes from
     * {@code platform}; {@code backend} is normally {@link io.prism.worker.inference.EngineBackend}.
     */
    public static GpuWorker start(Vertx vertx, PlatformConfig platform, WorkerConfig cfg, Database db, BlobStore blobs,
                                  PrometheusMeterRegistry meters, InferenceBackend backend) throws Exception {
        TopicAdmin.ensureTopics(platform.kafkaBootstrap());
        BatchQueue queue = new BatchQueue(cfg.maxBatch(), cfg.maxBatchDelay().toMillis());
        WorkerMetrics metrics = new WorkerMetrics(meters, queue::size);
        ModelRegistry registry = new ModelRegistry(db, blobs);
        ModelManager models = new ModelManager(registry, backend, cfg.modelCache(), cfg.taskOptions(), cfg.rules().allTasks(), metrics);
        Health.Broker broker = Health.broker(platform.kafkaBootstrap());
        Health health = new Health().check("models", models::ready).check("database", Health.database(db.pooledDataSource()))
                .check("broker", broker).check("blob-store", Health.blobStore(blobs));
        DeadLetters deadLetters = new DeadLetters(db, platform.kafkaBootstrap(), cfg, metrics);
        GpuWorker w = new GpuWorker(vertx, cfg, models, metrics, health, broker, deadLetters);
        try {
            w.http = new HttpVerticle(cfg.host(), cfg.port(), health, meters);
            w.deploy(w.http); // live (and not ready) while models load
            ModelWatcherVerticle watcher = new ModelWatcherVerticle(platform.kafkaBootstrap(), cfg.modelsTopic(), cfg.instance(), models);
            watcher.snapshotEnd(); // before reading the registry: see ModelWatcherVerticle
            models.loadActive(cfg.modelsDir());
            w.deploy(watcher);
            // the stages, last first: each is deployed before the one that hands to it
            // announce soon after the commit: poll the outbox every 25 ms (the default 100 ms would add to every frame's latency)
            w.deploy(new OutboxRelay(db, platform.kafkaBootstrap(), meters, Duration.ofMillis(25), Duration.ofSeconds(5), 200));
            ResultWriterVerticle write = new ResultWriterVerticle(cfg, new ResultWriter(db, blobs, cfg, metrics),
                    WriteBack.from(cfg, metrics), deadLetters, metrics);
            w.deploy(write);
            w.deploy(new InferenceVerticle(cfg, queue, models, metrics, write));
            PrepareVerticle prepare = new PrepareVerticle(cfg, new FrameDecoder(blobs, cfg.maxPixels(), cfg.beautyLayer()), models, metrics, queue, write);
            w.deploy(prepare);
            w.consumer = new FrameConsumerVerticle(platform.kafkaBootstrap(), cfg, metrics, prepare, write);
            w.deploy(w.consumer);
            LOG.info("event=worker-started instance={} device={} tasks={} group={} port={}", cfg.instance(), cfg.device(),
                    models.tasks(), cfg.group(), w.http.port());
            return w;
        } catch (Exception | Error e) {
            w.close();
            throw e;
        }
    }

    private void deploy(Verticle v) throws Exception {
        deployments.push(vertx.deployVerticle(v).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS));
    }

    public WorkerConfig config() { return cfg; }
    public ModelManager models() { return models; }
    public WorkerMetrics metrics() { return metrics; }
    public Health health() { return health; }
    public int httpPort() { return http == null ? -1 : http.port(); }
    public int inFlight() { return consumer == null ? 0 : consumer.inFlight(); }
    public int peakInFlight() { return consumer == null ? 0 : consumer.peakInFlight(); }

    /** Stops consuming (committing what is durable), then preparing, inference, writing and announcing; frees the models. */
    @Override
    public void close() {
        while (!deployments.isEmpty()) {
            String id = deployments.pop();
            try {
                vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("event=undeploy-failed id={} reason=\"{}\"", id, e.toString());
            }
        }
        deadLetters.close();
        if (readinessBroker != null) readinessBroker.close();
        models.close();
        LOG.info("event=worker-stopped instance={}", cfg.instance());
    }
}
