package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.DateCreated;
import io.micronaut.data.annotation.DateUpdated;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** A fine-tuning run and its progress. */
@MappedEntity("training_runs")
public record TrainingRunEntity(
        @Id UUID id,
        String task,
        String status,
        @Nullable Integer baseVersion,
        @Nullable Integer candidateVersion,
        @Nullable String trigger,
        int stepsTotal,
        int stepsDone,
        String metrics,
        String log,
        @Nullable String checkpointDir,
        @Nullable String owner,
        Instant startedAt,
        Instant heartbeatAt,
        @Nullable Instant finishedAt
) {}
