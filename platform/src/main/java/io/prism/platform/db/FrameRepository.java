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

/** Frames. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface FrameRepository extends CrudRepository<FrameEntity, UUID> {

    Optional<FrameEntity> findByJobIdAndLayerAndFrameNumberAndSha256(String jobId, String layer, int frameNumber, String sha256);

    @Query("SELECT COALESCE(MAX(frame_version), 0) FROM frames WHERE job_id = :jobId AND layer = :layer AND frame_number = :frameNumber")
    int maxFrameVersion(String jobId, String layer, int frameNumber);

    List<FrameEntity> findByJobIdOrderByFrameNumber(String jobId);

    long countByJobIdAndStatus(String jobId, String status);

    long countByStatus(String status);

    @Query("UPDATE frames SET status = :status, status_reason = :reason, updated_at = now() WHERE id = :id")
    int updateStatus(UUID id, String status, @Nullable String reason);
}
