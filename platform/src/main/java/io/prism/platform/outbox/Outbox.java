package io.prism.platform.outbox;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.db.OutboxEntity;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.topics.TopicSpec;
import java.time.Instant;

/**
 * Writes events to the transactional outbox. Call inside the transaction that makes the announced state durable
 * ({@code Database.inTransaction}); {@link OutboxRelay} publishes them to Kafka afterwards.
 */
public final class Outbox {
    private final OutboxRepository repository;

    public Outbox(OutboxRepository repository) {
        this.repository = repository;
    }

    public void enqueue(TopicSpec topic, PrismEvent event) {
        repository.save(new OutboxEntity(null, topic.name(), event.key(), EventCodec.encodeToString(event), Instant.now(), null, 0, null));
    }
}
