package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.DateCreated;
import io.micronaut.data.annotation.DateUpdated;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A registered model checkpoint: candidate, active, retired or rejected. */
@MappedEntity("model_versions")
public record ModelVersionEntity(
        @Id @GeneratedValue @Nullable Long id,
        String task,
        int version,
        String artifactUri,
        String artifactSha256,
        long artifactSize,
        @Nullable Integer parentVersion,
        String status,
        String metrics,
        String dataSnapshot,
        @Nullable String notes,
        Instant createdAt,
        @Nullable Instant promotedAt
) {}
