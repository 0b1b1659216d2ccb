package io.prism.worker.model;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.ModelPromoted;
import io.prism.platform.contracts.ModelRolledBack;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.kafka.PollingConsumer;
import io.vertx.core.AbstractVerticle;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: follow {@code prism.models.v1} and hand promotions and rollbacks to the {@link ModelManager}.
 *
 * <p>What a new worker must see: every change made after it read the registry. So the topic's end offsets are taken
 * <em>before</em> the active versions are read from PostgreSQL ({@link #snapshotEnd()}), and reading starts there.
 * A change committed before the registry read is already in what was loaded (its announcement, if it arrives, is a
 * no-op); a change after it is on the topic past the snapshot. The poll loop is platform's {@link PollingConsumer}
 * reading {@link PollingConsumer.Builder#fromEnd from the end}: no consumer group, every worker reads every record,
 * and nothing is committed because the registry is the state.
 */
public final class ModelWatcherVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(ModelWatcherVerticle.class);
    private final String bootstrap;
    private final String topic;
    private final String instance;
    private final ModelManager models;
    private PollingConsumer consumer;

    public ModelWatcherVerticle(String bootstrap, String topic, String instance, ModelManager models) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.instance = instance;
        this.models = models;
    }

    /** Call before the active versions are read from the registry: positions the consumer at the topic's end. */
    public void snapshotEnd() {
        consumer = PollingConsumer.builder(bootstrap, "prism-worker-models-" + instance)
                .fromEnd(topic)
                .handler(PollingConsumer.Handler.synchronous(this::handle))
                .drainTimeout(Duration.ZERO)
                .build();
    }

    @Override
    public void start() {
        if (consumer == null) snapshotEnd();
        consumer.start();
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) return; // tombstone
        PrismEvent e;
        try {
            e = EventCodec.decode(r.value());
        } catch (EventCodec.MalformedEventException ex) {
            LOG.warn("event=model-announcement-malformed offset={} reason=\"{}\"", r.offset(), ex.getMessage());
            return;
        }
        if (e instanceof ModelPromoted p) {
            models.stage(p.task(), p.version(), p.artifact(), "promoted: " + p.reason());
        } else if (e instanceof ModelRolledBack b) {
            models.stage(b.task(), b.toVersion(), b.artifact(), "rolled back from v" + b.fromVersion() + ": " + b.reason());
        }
    }

    @Override
    public void stop() throws Exception {
        if (consumer != null) consumer.stop();
    }
}
