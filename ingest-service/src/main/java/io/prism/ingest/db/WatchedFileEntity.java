package io.prism.ingest.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;
import java.util.UUID;

/** The watch folder's record of one complete file it handled; see V10__ingest.sql. */
@MappedEntity("ingest_watch_files")
public record WatchedFileEntity(
        @Id String path,
        long sizeBytes,
        long modifiedMs,
        String role,
        String outcome,
        @Nullable String sha256,
        @Nullable UUID frameId,
        @Nullable UUID pairId,
        @Nullable String reason,
        @Nullable Instant updatedAt
) {}
