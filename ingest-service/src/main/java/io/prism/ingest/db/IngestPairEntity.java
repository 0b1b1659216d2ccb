package io.prism.ingest.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A ground-truth pair announced by ingest; see V10__ingest.sql. */
@MappedEntity("ingest_pairs")
public record IngestPairEntity(
        @Id UUID id,
        @Nullable UUID frameId,
        String jobId,
        String show,
        String shot,
        int frameNumber,
        String beautySha256,
        @Nullable String albedoSha256,
        @Nullable String maskSha256,
        String via,
        @Nullable Instant submittedAt
) {}
