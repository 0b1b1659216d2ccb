package io.prism.worker.model;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.ModelPromoted;
import io.prism.platform.contracts.ModelRolledBack;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.kafka.KafkaSettings;
import io.vertx.core.AbstractVerticle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: follow {@code prism.models.v1} and hand promotions and rollbacks to the {@link ModelManager}.
 *
 * <p>What a new worker must see: every change made after it read the registry. So the topic's end offsets are taken
 * <em>before</em> the active versions are read from PostgreSQL ({@link #snapshotEnd()}), and reading starts there.
 * A change committed before the registry read is already in what was loaded (its announcement, if it arrives, is a
 * no-op); a change after it is on the topic past the snapshot. No consumer group: every worker reads every record
 * (assign + seek), and nothing needs committing because the registry is the state.
 */
public final class ModelWatcherVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(ModelWatcherVerticle.class);
    private final String bootstrap;
    private final String topic;
    private final String instance;
    private final ModelManager models;
    private KafkaConsumer<String, byte[]> consumer;
    private Map<TopicPartition, Long> start;
    private Thread thread;
    private volatile boolean running;

    public ModelWatcherVerticle(String bootstrap, String topic, String instance, ModelManager models) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.instance = instance;
        this.models = models;
    }

    /** Call before the active versions are read from the registry. */
    public void snapshotEnd() {
        Map<String, String> cfg = KafkaSettings.consumer(bootstrap, "unused", "prism-worker-models-" + instance);
        cfg.remove("group.id");
        Properties p = KafkaSettings.toProperties(cfg);
        consumer = new KafkaConsumer<>(p);
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(60)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(parts);
        start = consumer.endOffsets(parts, Duration.ofSeconds(60));
        start.forEach(consumer::seek);
        LOG.info("event=model-watch-from offsets={}", start);
    }

    @Override
    public void start() {
        if (consumer == null) snapshotEnd();
        running = true;
        thread = new Thread(this::loop, "prism-model-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    handle(r);
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.error("event=model-watcher-crashed reason=\"{}\"", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
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
        running = false;
        if (consumer != null) consumer.wakeup();
        if (thread != null) thread.join(5000);
    }
}
