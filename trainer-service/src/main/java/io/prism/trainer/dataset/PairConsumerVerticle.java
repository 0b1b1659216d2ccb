package io.prism.trainer.dataset;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.topics.Topics;
import io.prism.trainer.TrainerMetrics;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: move {@code prism.pairs.v1} into {@code training_pairs}. Polls on a thread of its own (Kafka's consumer
 * is blocking and single-threaded), hands each record to {@link PairIntake} and commits the offsets only after the
 * whole batch is stored. A transient failure (database or blob store down) is retried with exponential backoff
 * without committing; a message that is not a valid pair event is logged and skipped (retrying cannot fix it).
 */
public final class PairConsumerVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(PairConsumerVerticle.class);

    private final PairIntake intake;
    private final String bootstrap;
    private final String group;
    private final TrainerMetrics metrics;
    private volatile boolean running;
    private volatile boolean polling;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);

    public PairConsumerVerticle(PairIntake intake, String bootstrap, String group, TrainerMetrics metrics) {
        this.intake = intake;
        this.bootstrap = bootstrap;
        this.group = group;
        this.metrics = metrics;
    }

    /** Ready when the poll loop is alive. */
    public boolean polling() {
        return polling;
    }

    @Override
    public void start(Promise<Void> startPromise) {
        consumer = new KafkaConsumer<>(KafkaSettings.toProperties(KafkaSettings.consumer(bootstrap, group, "trainer-pairs")));
        consumer.subscribe(List.of(Topics.PAIRS.name()));
        running = true;
        thread = new Thread(this::loop, "trainer-pairs-consumer");
        thread.setDaemon(true);
        thread.start();
        startPromise.complete();
    }

    private void loop() {
        long backoffMs = 0;
        try {
            while (running) {
                polling = true;
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) continue;
                try {
                    for (ConsumerRecord<String, byte[]> r : records) {
                        handle(r);
                    }
                    consumer.commitSync();
                    backoffMs = 0;
                } catch (PairIntake.TransientFailure | RuntimeException e) {
                    // Nothing of this batch is committed: rewind and try again after a pause.
                    backoffMs = backoffMs == 0 ? 200 : Math.min(10_000, backoffMs * 2);
                    LOG.warn("event=pairs-retry retryInMs={} reason=\"{}\"", backoffMs, e.getMessage());
                    records.partitions().forEach(tp -> consumer.seek(tp, records.records(tp).get(0).offset()));
                    Thread.sleep(backoffMs);
                }
            }
        } catch (WakeupException e) {
            // stop() woke the poll
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            polling = false;
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException ignored) {
                // closing on shutdown: best effort
            }
            stopped.countDown();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r) throws PairIntake.TransientFailure {
        GroundTruthPairSubmitted e;
        try {
            e = EventCodec.decode(r.value(), GroundTruthPairSubmitted.class);
        } catch (EventCodec.MalformedEventException bad) {
            metrics.pairMalformed();
            LOG.warn("event=pair-malformed topic={} partition={} offset={} reason=\"{}\"", r.topic(), r.partition(), r.offset(), bad.getMessage());
            return;
        }
        PairIntake.Outcome o = intake.accept(e);
        if (!o.duplicate()) {
            metrics.pairStored(o.accepted());
        }
    }

    @Override
    public void stop() throws InterruptedException {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        stopped.await(10, TimeUnit.SECONDS);
    }
}
