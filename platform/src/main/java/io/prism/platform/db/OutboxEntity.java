package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.DateCreated;
import io.micronaut.data.annotation.DateUpdated;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A message waiting to be published (transactional outbox). */
@MappedEntity("outbox")
public record OutboxEntity(
        @Id @GeneratedValue @Nullable Long id,
        String topic,
        String recordKey,
        String payload,
        Instant createdAt,
        @Nullable Instant publishedAt,
        int attempts,
        @Nullable String lastError
) {}
