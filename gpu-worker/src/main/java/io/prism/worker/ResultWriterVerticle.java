package io.prism.worker;

import io.prism.worker.pipeline.BackgroundPriority;
import io.prism.worker.pipeline.DeadLetters;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.ResultWriter;
import io.prism.worker.pipeline.Retry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: make finished frames durable — results through {@link ResultWriter}, failed frames through
 * {@link DeadLetters} — on a pool of blocking threads (never the event loop), then report them done to the consumer
 * so their offsets can be committed. Announcing is the outbox relay's job: the FrameProcessed / FrameFailed rows
 * written here in the results' transaction are published by it.
 */
public final class ResultWriterVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(ResultWriterVerticle.class);
    private final WorkerConfig cfg;
    private final ResultWriter writer;
    private final DeadLetters deadLetters;
    private final WorkerMetrics metrics;
    private final Consumer<FrameWork> durable;
    private WorkerExecutor encoder;
    private WorkerExecutor executor;
    private volatile boolean stopping;

    public ResultWriterVerticle(WorkerConfig cfg, ResultWriter writer, DeadLetters deadLetters, WorkerMetrics metrics,
                                Consumer<FrameWork> durable) {
        this.cfg = cfg;
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.durable = durable;
    }

    @Override
    public void start() {
        // CPU-bound encoding and waiting stores on separate pools: the encode pool is sized to the free cores, so
        // that encoding never preempts the inference thread; the store pool is wider because it mostly waits.
        encoder = vertx.createSharedWorkerExecutor("prism-worker-encode-" + cfg.instance(), cfg.encodeThreads(), 1, TimeUnit.DAYS);
        executor = vertx.createSharedWorkerExecutor("prism-worker-write-" + cfg.instance(), cfg.writeThreads(), 1, TimeUnit.DAYS);
    }

    /** Called by the inference thread when every task of a frame is done. */
    public void write(FrameWork w) {
        if (w.failed() || w.results().isEmpty()) {
            executor.executeBlocking(() -> {
                writeNow(w, null);
                return null;
            }, false).onFailure(e -> LOG.error("event=write-crashed frame={} reason=\"{}\"", w.frame().frameId(), e.toString(), e));
            return;
        }
        encoder.executeBlocking(() -> {
            BackgroundPriority.apply(cfg.sideNice());
            return writer.encode(w);
        }, false).onComplete(encoded -> {
            if (encoded.failed() && stopping) return; // pools closing: the frame is redelivered after the restart
            if (encoded.failed()) { // a result that cannot be encoded will not encode on redelivery either
                LOG.error("event=encode-failed frame={} reason=\"{}\"", w.frame().frameId(), encoded.cause().toString(), encoded.cause());
                deadLetter(w, null, "encode-failed", encoded.cause().toString(), 1);
                return;
            }
            executor.executeBlocking(() -> {
                writeNow(w, encoded.result());
                return null;
            }, false).onFailure(e -> LOG.error("event=write-crashed frame={} reason=\"{}\"", w.frame().frameId(), e.toString(), e));
        });
    }

    /** Dead-letters a frame that failed before inference (runs on the write pool). */
    public void deadLetter(FrameWork w, String task, String reason, String detail, int attempts) {
        executor.executeBlocking(() -> {
            deadLetterNow(w, task, reason, detail, attempts);
            return null;
        }, false).onFailure(e -> LOG.error("event=dead-letter-crashed frame={} reason=\"{}\"", w.frame().frameId(), e.toString(), e));
    }

    /** Runs blocking work for a record that never became a frame (malformed message). */
    public void blocking(Callable<Void> work) {
        executor.executeBlocking(work, false).onFailure(e -> LOG.error("event=blocking-crashed reason=\"{}\"", e.toString(), e));
    }

    private void writeNow(FrameWork w, ResultWriter.Encoded encoded) {
        BackgroundPriority.apply(cfg.sideNice());
        try {
            if (w.failed()) {
                deadLetterNow(w, w.failedTask(), w.failedReason(), w.failedDetail(), w.attempts());
                return;
            }
            int inserted = encoded == null ? writer.write(w, () -> stopping) : writer.store(w, encoded, () -> stopping);
            metrics.frameDone();
            LOG.debug("event=frame-durable frame={} newRows={}", w.frame().frameId(), inserted);
            durable.accept(w);
        } catch (Retry.Abandoned e) {
            LOG.info("event=frame-abandoned frame={} (redelivered after restart)", w.frame().frameId());
        } catch (Retry.Permanent e) {
            deadLetterNow(w, null, e.reason, e.getMessage(), 1);
        }
    }

    private void deadLetterNow(FrameWork w, String task, String reason, String detail, int attempts) {
        BackgroundPriority.apply(cfg.sideNice());
        try {
            deadLetters.send(w.partition().topic(), w.partition().partition(), w.offset(), w.key(), w.message(), w.frame(),
                    task, reason, detail, attempts, () -> stopping);
            durable.accept(w);
        } catch (Retry.Abandoned e) {
            LOG.info("event=frame-abandoned frame={} (redelivered after restart)", w.frame().frameId());
        }
    }

    public boolean stopping() {
        return stopping;
    }

    @Override
    public void stop() {
        stopping = true;
        if (encoder != null) encoder.close();
        if (executor != null) executor.close();
    }
}
