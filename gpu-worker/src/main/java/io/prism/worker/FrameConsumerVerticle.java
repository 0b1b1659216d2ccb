package io.prism.worker;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.kafka.PollingConsumer;
import io.prism.worker.pipeline.FrameWork;
import io.vertx.core.AbstractVerticle;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One job: consume {@code prism.frames.v1} in the worker group and hand each record forward with its receipt
 * ({@link PollingConsumer.Receipt}) — a FrameSubmitted to the {@link PrepareVerticle}, anything else to the
 * {@link ResultWriterVerticle} as a dead letter. The poll loop is platform's {@link PollingConsumer}: the receipt
 * travels with the frame, the stage that makes the frame durable sends it, and an offset is committed only once
 * every record below it is durable. Past {@code PRISM_WORKER_MAX_IN_FLIGHT} frames not yet durable the partitions
 * are paused (back-pressure) and resumed once half have drained; polling goes on meanwhile so the group membership
 * stays alive.
 */
public final class FrameConsumerVerticle extends AbstractVerticle {
    private final String bootstrap;
    private final WorkerConfig cfg;
    private final WorkerMetrics metrics;
    private final PrepareVerticle prepare;
    private final ResultWriterVerticle writer;
    private PollingConsumer consumer;

    /**
     * @param prepare where FrameSubmitted records go
     * @param writer  where records that are not a valid FrameSubmitted go (dead letters)
     */
    public FrameConsumerVerticle(String bootstrap, WorkerConfig cfg, WorkerMetrics metrics, PrepareVerticle prepare,
                                 ResultWriterVerticle writer) {
        this.bootstrap = bootstrap;
        this.cfg = cfg;
        this.metrics = metrics;
        this.prepare = prepare;
        this.writer = writer;
    }

    /** The most frames ever in flight at once (back-pressure check). */
    public int peakInFlight() {
        return consumer == null ? 0 : consumer.peakInFlight();
    }

    /** Frames consumed but not yet durable. */
    public int inFlight() {
        return consumer == null ? 0 : consumer.inFlight();
    }

    @Override
    public void start() {
        consumer = PollingConsumer.builder(bootstrap, "prism-worker-" + cfg.instance())
                .group(cfg.group(), cfg.framesTopic())
                .handler(this::hand)
                .maxInFlight(cfg.maxInFlight())
                .pollTimeout(Duration.ofMillis(20)) // receipts are applied and offsets committed between two polls
                .retry(cfg.retryBackoff())
                .property("max.poll.records", Integer.toString(Math.max(1, cfg.maxBatch() * 2)))
                .property("session.timeout.ms", Long.toString(cfg.sessionTimeout().toMillis()))
                .property("heartbeat.interval.ms", Long.toString(Math.max(500, cfg.sessionTimeout().toMillis() / 4)))
                // inference of a batch can take long on a CPU; polling continues while paused, so this is a safety net only
                .property("max.poll.interval.ms", "600000")
                .build();
        metrics.inFlight(consumer::inFlight);
        consumer.start();
    }

    private void hand(ConsumerRecord<String, byte[]> r, PollingConsumer.Receipt receipt) {
        FrameSubmitted frame;
        try {
            if (r.value() == null) throw new EventCodec.MalformedEventException("empty message (tombstone)");
            frame = EventCodec.decode(r.value(), FrameSubmitted.class);
        } catch (EventCodec.MalformedEventException e) {
            writer.malformed(receipt, r.key(), r.value(), e.getMessage());
            return;
        }
        List<String> tasks = cfg.rules().tasksFor(frame.show(), frame.layer());
        prepare.accept(new FrameWork(receipt, r.key(), r.value(), frame, tasks));
    }

    @Override
    public void stop() throws Exception {
        if (consumer != null) consumer.stop(); // waits up to 10 s for frames in flight, commits what is durable
    }
}
