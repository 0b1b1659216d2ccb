package io.prism.ingest.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Ingest's own tables (watched files, pairs), superseding earlier frame versions, and its reads of the outbox. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface IngestRepository extends GenericRepository<IngestPairEntity, UUID> {

    /** Records a pair; returns 0 when it was already recorded (then nothing must be enqueued again). */
    @Query("""
            INSERT INTO ingest_pairs (id, frame_id, job_id, show, shot, frame_number, beauty_sha256, albedo_sha256,
                                      mask_sha256, via)
            VALUES (:id, :frameId, :jobId, :show, :shot, :frameNumber, :beautySha256, :albedoSha256, :maskSha256, :via)
            ON CONFLICT (id) DO NOTHING""")
    int insertPairIfAbsent(UUID id, @Nullable UUID frameId, String jobId, String show, String shot, int frameNumber,
                           String beautySha256, @Nullable String albedoSha256, @Nullable String maskSha256, String via);

    @Query("SELECT * FROM ingest_pairs WHERE id = :id")
    Optional<IngestPairEntity> findPair(UUID id);

    /** Marks the earlier versions of a frame superseded by a re-render. */
    @Query("""
            UPDATE frames SET status = 'superseded', status_reason = :reason, updated_at = now()
            WHERE job_id = :jobId AND layer = :layer AND frame_number = :frameNumber AND frame_version < :version
              AND status <> 'superseded'""")
    int supersedeEarlierVersions(String jobId, String layer, int frameNumber, int version, String reason);

    @Query("""
            INSERT INTO ingest_watch_files (path, size_bytes, modified_ms, role, outcome, sha256, frame_id, pair_id, reason)
            VALUES (:path, :sizeBytes, :modifiedMs, :role, :outcome, :sha256, :frameId, :pairId, :reason)
            ON CONFLICT (path) DO UPDATE SET size_bytes = EXCLUDED.size_bytes, modified_ms = EXCLUDED.modified_ms,
                role = EXCLUDED.role, outcome = EXCLUDED.outcome, sha256 = EXCLUDED.sha256,
                frame_id = EXCLUDED.frame_id, pair_id = EXCLUDED.pair_id, reason = EXCLUDED.reason, updated_at = now()""")
    int upsertWatchedFile(String path, long sizeBytes, long modifiedMs, String role, String outcome,
                          @Nullable String sha256, @Nullable UUID frameId, @Nullable UUID pairId, @Nullable String reason);

    @Query("SELECT * FROM ingest_watch_files")
    List<WatchedFileEntity> watchedFiles();

    /** The newest records with an outcome ('submitted' or 'refused'), for operators. */
    @Query("SELECT * FROM ingest_watch_files WHERE outcome = :outcome ORDER BY updated_at DESC LIMIT :limit")
    List<WatchedFileEntity> watchedFilesWithOutcome(String outcome, int limit);

    @Query("SELECT * FROM ingest_watch_files WHERE path = :path")
    Optional<WatchedFileEntity> watchedFile(String path);

    /** Outbox rows of a frame's FrameSubmitted not yet on Kafka (0 once delivered). */
    @Query("SELECT count(*) FROM outbox WHERE payload->>'frameId' = CAST(:frameId AS text) AND topic = 'prism.frames.v1' AND published_at IS NULL")
    long undeliveredEventsOfFrame(String frameId);

    /** Outbox rows of a pair's GroundTruthPairSubmitted not yet on Kafka. */
    @Query("SELECT count(*) FROM outbox WHERE payload->>'pairId' = CAST(:pairId AS text) AND published_at IS NULL")
    long undeliveredEventsOfPair(String pairId);
}
