package io.prism.worker;

import io.prism.platform.blob.BlobNotFoundException;
import io.prism.vision.color.InputEncoding;
import io.prism.worker.model.ModelManager;
import io.prism.worker.pipeline.BackgroundPriority;
import io.prism.worker.pipeline.BatchQueue;
import io.prism.worker.pipeline.FrameDecoder;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.ModelInput;
import io.prism.worker.pipeline.PoisonFrameException;
import io.prism.worker.pipeline.TaskRequest;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: turn a consumed frame into inference requests. On a small pool ({@code PRISM_WORKER_PREPARE_THREADS}, off
 * the consumer thread) it reads the source blob and decodes it ({@link FrameDecoder}), encodes it in the input
 * encoding of each model that serves its tasks now (once per encoding, so that this CPU work stays off the inference
 * thread; {@link ModelInput}), then puts one {@link TaskRequest} per task into the {@link BatchQueue}. It asks the
 * {@link ModelManager} (beside the pipeline) which encodings those are; it hands forward only: a frame with no tasks, and a frame
 * that cannot be read (poison at once, I/O trouble after {@code PRISM_WORKER_MAX_ATTEMPTS} tries), go straight to
 * the {@link ResultWriterVerticle}.
 */
public final class PrepareVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(PrepareVerticle.class);
    private final WorkerConfig cfg;
    private final FrameDecoder decoder;
    private final BatchQueue queue;
    private final ResultWriterVerticle writer;
    private final ModelManager models;
    private final WorkerMetrics metrics;
    private WorkerExecutor pool;
    private volatile boolean stopping;

    public PrepareVerticle(WorkerConfig cfg, FrameDecoder decoder, ModelManager models, WorkerMetrics metrics, BatchQueue queue,
                           ResultWriterVerticle writer) {
        this.cfg = cfg;
        this.decoder = decoder;
        this.models = models;
        this.metrics = metrics;
        this.queue = queue;
        this.writer = writer;
    }

    @Override
    public void start() {
        pool = vertx.createSharedWorkerExecutor("prism-worker-prepare-" + cfg.instance(), cfg.prepareThreads(), 1, TimeUnit.DAYS);
    }

    /** Called by the consume stage for each decoded FrameSubmitted. */
    public void accept(FrameWork w) {
        pool.executeBlocking(() -> {
            prepare(w);
            return null;
        }, false).onFailure(e -> LOG.error("event=prepare-crashed frame={} reason=\"{}\"", w.frame().frameId(), e.toString(), e));
    }

    private void prepare(FrameWork w) {
        BackgroundPriority.apply(cfg.sideNice());
        if (w.tasks().isEmpty()) {
            writer.write(w); // nothing to infer: only the status is recorded
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                w.decoded(decoder.decode(w.frame()));
                break;
            } catch (PoisonFrameException e) {
                writer.deadLetter(w, null, e.reason(), e.getMessage(), attempt);
                return;
            } catch (IOException | RuntimeException e) {
                if (stopping) return; // not durable, so not committed: redelivered after the restart
                if (attempt >= cfg.maxAttempts()) {
                    String reason = e instanceof BlobNotFoundException ? "blob-missing" : "unreadable";
                    writer.deadLetter(w, null, reason, e.toString(), attempt);
                    return;
                }
                LOG.warn("event=frame-read-retry frame={} attempt={} reason=\"{}\"", w.frame().frameId(), attempt, e.toString());
                try {
                    Thread.sleep(cfg.retryBackoff().delayMs(attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        Set<InputEncoding> encodings = new LinkedHashSet<>();
        for (String task : w.tasks()) {
            models.inputEncoding(task, w.frame().requestedModels().get(task)).ifPresent(encodings::add);
        }
        ModelInput input = w.input();
        for (InputEncoding e : encodings) {
            long start = System.nanoTime();
            try {
                input.in(e);
            } catch (IllegalArgumentException ex) {
                writer.deadLetter(w, null, "unusable-pixels", ex.getMessage(), 1);
                return;
            }
            metrics.inputEncoded("prepare", System.nanoTime() - start);
        }
        long now = System.nanoTime();
        for (String task : w.tasks()) {
            queue.put(new TaskRequest(w, task, w.frame().requestedModels().get(task), now, 1));
        }
    }

    @Override
    public void stop() {
        stopping = true;
        if (pool != null) pool.close();
    }
}
