package io.prism.worker;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.blob.BlobNotFoundException;
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
import io.prism.worker.pipeline.BackgroundPriority;
import io.prism.worker.pipeline.BatchQueue;
import io.prism.worker.pipeline.DeadLetters;
import io.prism.worker.pipeline.FrameDecoder;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.PoisonFrameException;
import io.prism.worker.pipeline.ResultWriter;
import io.prism.worker.pipeline.Retry;
import io.prism.worker.pipeline.TaskRequest;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gpu-worker: the model manager plus its verticles — consume ({@link FrameConsumerVerticle}, which also
 * decodes frames on a small pool), infer ({@link InferenceVerticle}), write ({@link ResultWriterVerticle}), announce
 * ({@link OutboxRelay}), follow models ({@link ModelWatcherVerticle}) and serve health/metrics ({@link HttpVerticle}).
 * {@link GpuWorkerService} runs it under {@code prism serve gpu-worker} and in the all-in-one runtime; tests and the
 * benchmark start it directly.
 */
public final class GpuWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GpuWorker.class);

    private final Vertx vertx;
    private final WorkerConfig cfg;
    private final ModelManager models;
    private final WorkerMetrics metrics;
    private final Health health;
    private Health.Broker readinessBroker;
    private final BatchQueue queue;
    private final Deque<String> deployments = new ArrayDeque<>();
    private final DeadLetters deadLetters;
    private FrameConsumerVerticle consumer;
    private ResultWriterVerticle writer;
    private HttpVerticle http;
    private WorkerExecutor prepare;

    private GpuWorker(Vertx vertx, WorkerConfig cfg, ModelManager models, WorkerMetrics metrics, Health health,
                      BatchQueue queue, DeadLetters deadLetters) {
        this.vertx = vertx;
        this.cfg = cfg;
        this.models = models;
        this.metrics = metrics;
        this.health = health;
        this.queue = queue;
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
        GpuWorker[] self = new GpuWorker[1];
        WorkerMetrics metrics = new WorkerMetrics(meters,
                () -> self[0] == null || self[0].consumer == null ? 0 : self[0].consumer.inFlight(), queue::size);
        ModelRegistry registry = new ModelRegistry(db, blobs);
        ModelManager models = new ModelManager(registry, backend, cfg.modelCache(), cfg.taskOptions(), cfg.rules().allTasks(), metrics);
        Health.Broker broker = Health.broker(platform.kafkaBootstrap());
        Health health = new Health().check("models", models::ready).check("database", Health.database(db.pooledDataSource()))
                .check("broker", broker).check("blob-store", Health.blobStore(blobs));
        DeadLetters deadLetters = new DeadLetters(db, platform.kafkaBootstrap(), cfg, metrics);
        GpuWorker w = new GpuWorker(vertx, cfg, models, metrics, health, queue, deadLetters);
        self[0] = w;
        w.readinessBroker = broker;
        try {
            w.http = new HttpVerticle(cfg.host(), cfg.port(), health, meters);
            w.deploy(w.http); // live (and not ready) while models load
            ModelWatcherVerticle watcher = new ModelWatcherVerticle(platform.kafkaBootstrap(), cfg.modelsTopic(), cfg.instance(), models);
            watcher.snapshotEnd(); // before reading the registry: see ModelWatcherVerticle
            models.loadActive(cfg.modelsDir());
            w.deploy(watcher);
            // announce soon after the commit: poll the outbox every 25 ms (the default 100 ms would add to every frame's latency)
            w.deploy(new OutboxRelay(db, platform.kafkaBootstrap(), meters, Duration.ofMillis(25), Duration.ofSeconds(5), 200));
            w.writer = new ResultWriterVerticle(cfg, new ResultWriter(db, blobs, cfg, metrics), deadLetters, metrics, fw -> w.consumer.done(fw));
            w.deploy(w.writer);
            w.deploy(new InferenceVerticle(cfg, queue, models, metrics, w.writer::write));
            w.prepare = vertx.createSharedWorkerExecutor("prism-worker-prepare-" + cfg.instance(), cfg.prepareThreads(), 1, TimeUnit.DAYS);
            FrameDecoder decoder = new FrameDecoder(blobs, cfg.maxPixels());
            w.consumer = new FrameConsumerVerticle(platform.kafkaBootstrap(), cfg, w.new Stages(decoder));
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

    /** The consume side's hand-over: decode each frame off the consumer thread, then queue its tasks. */
    private final class Stages implements FrameConsumerVerticle.Pipeline {
        private final FrameDecoder decoder;

        Stages(FrameDecoder decoder) {
            this.decoder = decoder;
        }

        @Override
        public void accept(FrameWork w) {
            prepare.executeBlocking(() -> {
                prepareNow(w);
                return null;
            }, false).onFailure(e -> LOG.error("event=prepare-crashed frame={} reason=\"{}\"", w.frame().frameId(), e.toString(), e));
        }

        private void prepareNow(FrameWork w) {
            BackgroundPriority.apply(cfg.sideNice());
            if (w.tasks().isEmpty()) {
                writer.write(w); // nothing to infer: only the status is recorded
                return;
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    w.srgb(decoder.decode(w.frame()));
                    break;
                } catch (PoisonFrameException e) {
                    writer.deadLetter(w, null, e.reason(), e.getMessage(), attempt);
                    return;
                } catch (IOException | RuntimeException e) {
                    if (writer.stopping()) return;
                    if (attempt >= cfg.maxAttempts()) {
                        String reason = e instanceof BlobNotFoundException ? "blob-missing" : "unreadable";
                        writer.deadLetter(w, null, reason, e.toString(), attempt);
                        return;
                    }
                    LOG.warn("event=frame-read-retry frame={} attempt={} reason=\"{}\"", w.frame().frameId(), attempt, e.toString());
                    sleep(cfg.backoffMs(attempt));
                }
            }
            long now = System.nanoTime();
            for (String task : w.tasks()) {
                queue.put(new TaskRequest(w, task, w.frame().requestedModels().get(task), now, 1));
            }
        }

        @Override
        public void malformed(ConsumerRecord<String, byte[]> r, long epoch, String detail) {
            writer.blocking(() -> {
                try {
                    deadLetters.send(r.topic(), r.partition(), r.offset(), r.key(), r.value(), null, null, "malformed", detail, 1, writer::stopping);
                    consumer.done(new TopicPartition(r.topic(), r.partition()), epoch, r.offset());
                } catch (Retry.Abandoned e) {
                    LOG.info("event=dead-letter-abandoned offset={}", r.offset());
                }
                return null;
            });
        }

        private void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public WorkerConfig config() { return cfg; }
    public ModelManager models() { return models; }
    public WorkerMetrics metrics() { return metrics; }
    public Health health() { return health; }
    public int httpPort() { return http == null ? -1 : http.port(); }
    public int inFlight() { return consumer == null ? 0 : consumer.inFlight(); }
    public int peakInFlight() { return consumer == null ? 0 : consumer.peakInFlight(); }

    /** Stops consuming (committing what is durable), then inference, writing and announcing; frees the models. */
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
        if (prepare != null) prepare.close();
        deadLetters.close();
        if (readinessBroker != null) readinessBroker.close();
        models.close();
        LOG.info("event=worker-stopped instance={}", cfg.instance());
    }
}
