package io.prism.trainer.dataset;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.kafka.PollingConsumer;
import io.prism.platform.topics.Topics;
import io.prism.trainer.TrainerMetrics;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: move {@code prism.pairs.v1} into {@code training_pairs}. A {@link PollingConsumer} hands each record to
 * {@link PairIntake}; its offset is committed once the pair is stored. A transient failure (database or blob store
 * down) throws, so the consumer retries the record with back-off; a message that is not a valid pair event is
 * logged and skipped (retrying cannot fix it).
 */
public final class PairConsumerVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(PairConsumerVerticle.class);

    private final PairIntake intake;
    private final String bootstrap;
    private final String group;
    private final TrainerMetrics metrics;
    private volatile PollingConsumer consumer;

    public PairConsumerVerticle(PairIntake intake, String bootstrap, String group, TrainerMetrics metrics) {
        this.intake = intake;
        this.bootstrap = bootstrap;
        this.group = group;
        this.metrics = metrics;
    }

    /** Ready when the poll loop is alive. */
    public boolean polling() {
        PollingConsumer c = consumer;
        return c != null && c.polling();
    }

    @Override
    public void start(Promise<Void> startPromise) {
        consumer = PollingConsumer.builder(bootstrap, "trainer-pairs").group(group, Topics.PAIRS.name())
                .pollTimeout(Duration.ofMillis(500)).handler(PollingConsumer.Handler.synchronous(this::handle)).build().start();
        startPromise.complete();
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
    public void stop(Promise<Void> stopPromise) {
        PollingConsumer c = consumer;
        if (c == null) {
            stopPromise.complete();
            return;
        }
        vertx.<Void>executeBlocking(() -> {
            c.stop();
            return null;
        }, false).onComplete(stopPromise);
    }
}
