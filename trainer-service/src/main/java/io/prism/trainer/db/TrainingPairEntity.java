package io.prism.trainer.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A ground-truth pair (beauty + albedo and/or mask) with its deterministic split bucket. */
@MappedEntity("training_pairs")
public record TrainingPairEntity(
        @Id UUID id,
        @Nullable UUID frameId,
        String jobId,
        String show,
        String shot,
        int frameNumber,
        @Nullable String style,
        String beautySha256,
        long beautySize,
        @Nullable String albedoSha256,
        @Nullable Long albedoSize,
        @Nullable String maskSha256,
        @Nullable Long maskSize,
        @Nullable Integer width,
        @Nullable Integer height,
        int splitBucket,
        String status,
        @Nullable String rejectReason,
        Instant receivedAt
) {}
