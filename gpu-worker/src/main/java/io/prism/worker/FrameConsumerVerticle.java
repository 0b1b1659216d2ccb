package io.prism.worker;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.worker.pipeline.Ack;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.OffsetTracker;
import io.vertx.core.AbstractVerticle;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: consume {@code prism.frames.v1} in the worker group and hand each record forward — a FrameSubmitted to the
 * {@link PrepareVerticle}, anything else to the {@link ResultWriterVerticle} as a dead letter — with its receipt
 * ({@link Ack}). A dedicated thread owns the KafkaConsumer (it is not thread-safe). Receipts of durable records come
 * back through this stage's inbox, and only offsets below which every record is durable are committed
 * ({@link OffsetTracker}). When too many frames are in flight the assigned partitions are paused (back-pressure) and
 * resumed once half have drained; polling goes on meanwhile so the group membership stays alive.
 */
public final class FrameConsumerVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(FrameConsumerVerticle.class);

    private final String bootstrap;
    private final WorkerConfig cfg;
    private final WorkerMetrics metrics;
    private final PrepareVerticle prepare;
    private final ResultWriterVerticle writer;
    private final ConcurrentLinkedQueue<Ack> durable = new ConcurrentLinkedQueue<>();
    private final OffsetTracker tracker = new OffsetTracker();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private volatile boolean running;
    private boolean paused;

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
        return peakInFlight.get();
    }

    /** Frames consumed but not yet durable. */
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public void start() {
        Map<String, String> props = KafkaSettings.consumer(bootstrap, cfg.group(), "prism-worker-" + cfg.instance());
        props.put("max.poll.records", Integer.toString(Math.max(1, cfg.maxBatch() * 2)));
        props.put("session.timeout.ms", Long.toString(cfg.sessionTimeout().toMillis()));
        props.put("heartbeat.interval.ms", Long.toString(Math.max(500, cfg.sessionTimeout().toMillis() / 4)));
        // inference of a batch can take long on a CPU; polling continues while paused, so this is a safety net only
        props.put("max.poll.interval.ms", "600000");
        consumer = new KafkaConsumer<>(KafkaSettings.toProperties(props));
        running = true;
        thread = new Thread(this::loop, "prism-frames-consumer");
        thread.start();
    }

    private void loop() {
        try {
            consumer.subscribe(List.of(cfg.framesTopic()), new Rebalance());
            while (running) {
                settle();
                backPressure();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    handle(r);
                }
            }
            // stopping: give in-flight frames a moment to become durable, then commit what is
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (tracker.inFlight() > 0 && System.nanoTime() < deadline) {
                settle();
                Thread.sleep(20);
            }
            settle();
            commitSync();
        } catch (WakeupException e) {
            // stop() while polling
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("event=frames-consumer-crashed reason=\"{}\"", e.toString(), e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("event=frames-consumer-close-failed reason=\"{}\"", e.toString());
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Long epoch = tracker.epoch(tp);
        if (epoch == null) return; // not ours any more
        tracker.started(tp, r.offset());
        countInFlight();
        peakInFlight.accumulateAndGet(tracker.inFlight(), Math::max);
        Ack ack = new Ack(tp, r.offset(), epoch, durable);
        FrameSubmitted frame;
        try {
            if (r.value() == null) throw new EventCodec.MalformedEventException("empty message (tombstone)");
            frame = EventCodec.decode(r.value(), FrameSubmitted.class);
        } catch (EventCodec.MalformedEventException e) {
            writer.malformed(ack, r.key(), r.value(), e.getMessage());
            return;
        }
        List<String> tasks = cfg.rules().tasksFor(frame.show(), frame.layer());
        prepare.accept(new FrameWork(ack, r.key(), r.value(), frame, tasks));
    }

    private void countInFlight() {
        inFlight.set(tracker.inFlight());
        metrics.inFlight(tracker.inFlight());
    }

    /** Applies the receipts of records that became durable and commits offsets that moved. */
    private void settle() {
        Ack a;
        boolean moved = false;
        while ((a = durable.poll()) != null) {
            moved |= tracker.done(a.partition(), a.epoch(), a.offset());
        }
        countInFlight();
        if (moved) {
            Map<TopicPartition, OffsetAndMetadata> offsets = tracker.toCommit();
            if (!offsets.isEmpty()) {
                consumer.commitAsync(offsets, (o, e) -> {
                    if (e == null) {
                        tracker.committed(o);
                    } else {
                        LOG.warn("event=commit-failed offsets={} reason=\"{}\" (retried with the next commit)", o, e.toString());
                    }
                });
            }
        }
    }

    private void commitSync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.toCommit();
        if (offsets.isEmpty()) return;
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(10));
            tracker.committed(offsets);
            LOG.info("event=offsets-committed offsets={}", offsets);
        } catch (RuntimeException e) {
            LOG.warn("event=commit-failed offsets={} reason=\"{}\" (frames will be redelivered; writes are idempotent)", offsets, e.toString());
        }
    }

    private void backPressure() {
        int n = tracker.inFlight();
        if (!paused && n >= cfg.maxInFlight()) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.debug("event=consumer-paused inFlight={}", n);
        } else if (paused && n <= cfg.maxInFlight() / 2) {
            consumer.resume(consumer.paused());
            paused = false;
            LOG.debug("event=consumer-resumed inFlight={}", n);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            settle();
            commitSync();
            partitions.forEach(tracker::revoke);
            LOG.info("event=partitions-revoked partitions={}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(tracker::revoke); // cannot commit: someone else owns them already
            LOG.warn("event=partitions-lost partitions={}", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<TopicPartition> mine = new HashSet<>(partitions);
            mine.forEach(tracker::assign);
            if (paused) consumer.pause(mine);
            LOG.info("event=partitions-assigned partitions={}", partitions);
        }
    }

    @Override
    public void stop() throws Exception {
        running = false;
        if (thread != null) {
            thread.join(20_000);
            if (thread.isAlive()) {
                consumer.wakeup();
                thread.join(5_000);
            }
        }
    }
}
