package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.DateCreated;
import io.micronaut.data.annotation.DateUpdated;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** One task's result for one frame by one model version. */
@MappedEntity("results")
public record ResultEntity(
        @Id UUID id,
        UUID frameId,
        String task,
        int modelVersion,
        String resultSha256,
        long resultSize,
        String resultMediaType,
        @Nullable String previewSha256,
        @Nullable Long previewSize,
        @Nullable String uncertaintySha256,
        @Nullable Long uncertaintySize,
        int width,
        int height,
        String statistics,
        long latencyMs,
        Instant createdAt
) {}
