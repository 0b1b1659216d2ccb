package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.DateCreated;
import io.micronaut.data.annotation.DateUpdated;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** One version of a rendered beauty frame; see V1__schema.sql for the meaning of each column. */
@MappedEntity("frames")
public record FrameEntity(
        @Id UUID id,
        String jobId,
        String show,
        String shot,
        String layer,
        int frameNumber,
        int frameVersion,
        String sourceUri,
        @Nullable String sourcePath,
        String sha256,
        long sizeBytes,
        String mediaType,
        @Nullable Integer width,
        @Nullable Integer height,
        @Nullable Integer channels,
        String status,
        @Nullable String statusReason,
        String attributes,
        Instant submittedAt,
        Instant updatedAt
) {}
