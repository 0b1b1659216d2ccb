package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Frames. A frame version's status moves {@code submitted → processing → processed | failed}, and ingest marks every
 * earlier version {@code superseded} when a newer one arrives. {@code superseded} is final: {@link #updateStatus}
 * (the only way a worker changes a status) never overwrites it, in SQL, so a late result for an old version cannot
 * bring it back — even when it races the re-render's transaction.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface FrameRepository extends CrudRepository<FrameEntity, UUID> {

    /** The newest version of a frame: a submission of the same bytes is a duplicate of it, other bytes a new version. */
    @Query("""
            SELECT * FROM frames WHERE job_id = :jobId AND layer = :layer AND frame_number = :frameNumber
            ORDER BY frame_version DESC LIMIT 1""")
    Optional<FrameEntity> findNewestVersion(String jobId, String layer, int frameNumber);

    @Query("SELECT COALESCE(MAX(frame_version), 0) FROM frames WHERE job_id = :jobId AND layer = :layer AND frame_number = :frameNumber")
    int maxFrameVersion(String jobId, String layer, int frameNumber);

    List<FrameEntity> findByJobIdOrderByFrameNumber(String jobId);

    long countByJobIdAndStatus(String jobId, String status);

    long countByStatus(String status);

    /** Sets a frame's status unless it is {@code superseded}; returns 0 then (a late result for an old version). */
    @Query("UPDATE frames SET status = :status, status_reason = :reason, updated_at = now() WHERE id = :id AND status <> 'superseded'")
    int updateStatus(UUID id, String status, @Nullable String reason);
}
