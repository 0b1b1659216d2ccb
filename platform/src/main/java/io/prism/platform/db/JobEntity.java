package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.DateCreated;
import io.micronaut.data.annotation.DateUpdated;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A render job: the farm's unit of submission (one show/shot). */
@MappedEntity("jobs")
public record JobEntity(
        @Id String id,
        String show,
        String shot,
        String attributes,
        @DateCreated @Nullable Instant createdAt,
        @DateUpdated @Nullable Instant updatedAt
) {}
