package io.prism.worker;

import io.prism.platform.kafka.PollingConsumer;
import io.prism.worker.pipeline.BackgroundPriority;
import io.prism.worker.pipeline.DeadLetters;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.ResultWriter;
import io.prism.worker.pipeline.Retry;
import io.prism.worker.pipeline.WriteBack;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: make finished frames durable — results through {@link ResultWriter} (with the optional copy on the farm's
 * disk, {@link WriteBack}), failed frames and malformed records through {@link DeadLetters} — on pools of blocking
 * threads (never the event loop), then send each one's receipt ({@link PollingConsumer.Receipt#durable()}) so that
 * the poll loop may commit its offset. It is the last stage a frame passes in this worker: announcing is the outbox
 * relay's job, which publishes the FrameProcessed / FrameFailed rows written here in the results' transaction.
 */
public final class ResultWriterVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(ResultWriterVerticle.class);
    private final WorkerConfig cfg;
    private final ResultWriter writer;
    private final WriteBack writeBack;
    private final DeadLetters deadLetters;
    private final WorkerMetrics metrics;
    private WorkerExecutor encoder;
    private WorkerExecutor executor;
    private volatile boolean stopping;

    /** @param writeBack the optional copy of each result on the farm's disk, or null */
    public ResultWriterVerticle(WorkerConfig cfg, ResultWriter writer, WriteBack writeBack, DeadLetters deadLetters,
                                WorkerMetrics metrics) {
        this.cfg = cfg;
        this.writer = writer;
        this.writeBack = writeBack;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    @Override
    public void start() {
        // CPU-bound encoding and waiting stores on separate pools: the encode pool is sized to the free cores, so
        // that encoding never preempts the inference thread; the store pool is wider because it mostly waits.
        encoder = vertx.createSharedWorkerExecutor("prism-worker-encode-" + cfg.instance(), cfg.encodeThreads(), 1, TimeUnit.DAYS);
        executor = vertx.createSharedWorkerExecutor("prism-worker-write-" + cfg.instance(), cfg.writeThreads(), 1, TimeUnit.DAYS);
    }

    /** A frame whose every task is done (from inference), or that has no task (from prepare). */
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
            ResultWriter.Encoded encoded = writer.encode(w);
            // before the results' transaction: a frame announced as processed has its farm files in place
            if (writeBack != null) writeBack.write(w, () -> stopping);
            return encoded;
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

    /** Dead-letters a record that is not a valid FrameSubmitted (from the consume stage). */
    public void malformed(PollingConsumer.Receipt receipt, String key, byte[] message, String detail) {
        executor.executeBlocking(() -> {
            BackgroundPriority.apply(cfg.sideNice());
            try {
                deadLetters.send(receipt.partition().topic(), receipt.partition().partition(), receipt.offset(), key, message, null,
                        null, "malformed", detail, 1, () -> stopping);
                receipt.durable();
            } catch (Retry.Abandoned e) {
                LOG.info("event=dead-letter-abandoned offset={}", receipt);
            }
            return null;
        }, false).onFailure(e -> LOG.error("event=dead-letter-crashed record={} reason=\"{}\"", receipt, e.toString(), e));
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
            w.receipt().durable();
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
            w.receipt().durable();
        } catch (Retry.Abandoned e) {
            LOG.info("event=frame-abandoned frame={} (redelivered after restart)", w.frame().frameId());
        }
    }

    @Override
    public void stop() {
        stopping = true;
        if (encoder != null) encoder.close();
        if (executor != null) executor.close();
    }
}
