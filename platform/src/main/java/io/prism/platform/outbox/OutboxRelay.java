package io.prism.platform.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.prism.platform.db.Database;
import io.prism.platform.db.OutboxEntity;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.retry.Backoff;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes outbox rows to Kafka, oldest first, and marks them published in the same transaction that locked them
 * ({@code FOR UPDATE SKIP LOCKED}, so several relays can run). If Kafka is down the transaction rolls back and the
 * rows wait; the relay backs off ({@link Backoff}: 200 ms doubling up to {@code maxBackoff}) and retries. A crash between the send and
 * the commit republishes a row: delivery is at-least-once and every consumer is idempotent.
 *
 * <p>One job: move rows from PostgreSQL to Kafka. Runs its blocking work on a worker thread, never the event loop.
 */
public final class OutboxRelay extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final java.util.Map<MeterRegistry, AtomicLong[]> GAUGES =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final Database database;
    private final String bootstrap;
    private final MeterRegistry meters;
    private final Duration pollInterval;
    private final Backoff backoff;
    private final int batchSize;
    private Producer<String, byte[]> producer;
    private Counter published;
    private Counter failures;
    private AtomicLong pending;
    private AtomicLong lagMs;
    private volatile boolean stopped;
    private int failuresInARow;

    public OutboxRelay(Database database, String bootstrap, MeterRegistry meters, Duration pollInterval, Duration maxBackoff, int batchSize) {
        this.database = database;
        this.bootstrap = bootstrap;
        this.meters = meters;
        this.pollInterval = pollInterval;
        this.backoff = new Backoff(Duration.ofMillis(Math.min(200, maxBackoff.toMillis())), maxBackoff);
        this.batchSize = batchSize;
    }

    public OutboxRelay(Database database, String bootstrap, MeterRegistry meters) {
        this(database, bootstrap, meters, Duration.ofMillis(100), Duration.ofSeconds(5), 200);
    }

    @Override
    public void start(Promise<Void> startPromise) {
        var props = KafkaSettings.toProperties(KafkaSettings.producer(bootstrap, "prism-outbox-relay"));
        producer = new KafkaProducer<>(props);
        published = Counter.builder("prism_outbox_published_total").register(meters);
        failures = Counter.builder("prism_outbox_publish_failures_total").register(meters);
        // The outbox is one table: every relay of a registry (all-in-one runtime, redeploys) reports into the same
        // gauge state, so the gauges never stay bound to a relay that has been undeployed.
        AtomicLong[] state = GAUGES.computeIfAbsent(meters, m -> {
            AtomicLong[] s = {new AtomicLong(), new AtomicLong()};
            Gauge.builder("prism_outbox_pending", s[0], AtomicLong::get).register(m);
            Gauge.builder("prism_outbox_lag_ms", s[1], AtomicLong::get).description("age of the oldest unpublished row").register(m);
            return s;
        });
        pending = state[0];
        lagMs = state[1];
        schedule(0);
        startPromise.complete();
    }

    private void schedule(long delayMs) {
        if (stopped) return;
        vertx.setTimer(Math.max(1, delayMs), id -> vertx.<Integer>executeBlocking(this::drainOnce, false)
                .onSuccess(n -> {
                    failuresInARow = 0;
                    schedule(n >= batchSize ? 0 : pollInterval.toMillis());
                })
                .onFailure(e -> {
                    failures.increment();
                    long backoffMs = backoff.delayMs(++failuresInARow);
                    LOG.warn("event=outbox-publish-failed retryInMs={} reason={}", backoffMs, e.toString());
                    schedule(backoffMs);
                }));
    }

    /**
     * Publishes one batch; returns how many rows were published. A failed send rolls the batch back and is then
     * recorded on its row ({@code attempts}, {@code last_error}) in a transaction of its own, so the failure stays
     * visible while the row waits for the next try.
     */
    int drainOnce() {
        OutboxRepository repo = database.repository(OutboxRepository.class);
        int n;
        try {
            n = publishBatch(repo);
        } catch (PublishFailed f) {
            database.inTransaction(conn -> repo.markFailed(f.rowId, f.getMessage()));
            throw f;
        }
        published.increment(n);
        pending.set(repo.countPending());
        lagMs.set(repo.oldestPendingAgeMs());
        return n;
    }

    private int publishBatch(OutboxRepository repo) {
        return database.inTransaction(conn -> {
            List<OutboxEntity> rows = repo.lockPending(batchSize);
            if (rows.isEmpty()) {
                return 0;
            }
            List<Future<RecordMetadata>> sends = new ArrayList<>(rows.size());
            for (OutboxEntity row : rows) {
                sends.add(producer.send(new ProducerRecord<>(row.topic(), row.recordKey(), row.payload().getBytes(StandardCharsets.UTF_8))));
            }
            for (int i = 0; i < rows.size(); i++) {
                try {
                    sends.get(i).get(35, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new PublishFailed(rows.get(i), e);
                }
                repo.markPublished(rows.get(i).id());
            }
            return rows.size();
        });
    }

    /** A send that failed, naming the row it was for. */
    static final class PublishFailed extends IllegalStateException {
        final long rowId;

        PublishFailed(OutboxEntity row, Exception cause) {
            super("publishing outbox row " + row.id() + " to " + row.topic() + " failed: " + cause.getMessage(), cause);
            this.rowId = row.id();
        }
    }

    @Override
    public void stop() {
        stopped = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
