package io.prism.worker.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import io.prism.platform.db.FrameEntity;
import java.util.UUID;

/**
 * The worker's side of frames: a frame version's outcome ({@code processed} or {@code failed}). {@code superseded}
 * (set by ingest when a re-render arrives) is final: {@link #updateStatus} never overwrites it, in SQL, so a late
 * result for an old version cannot bring it back — even when it races the re-render's transaction. The CRUD methods
 * serve the benchmark's and the tests' seeding.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface FrameRepository extends CrudRepository<FrameEntity, UUID> {

    /** Sets a frame's status unless it is {@code superseded}; returns 0 then (a late result for an old version). */
    @Query("UPDATE frames SET status = :status, status_reason = :reason, updated_at = now() WHERE id = :id AND status <> 'superseded'")
    int updateStatus(UUID id, String status, @Nullable String reason);

    long countByStatus(String status);
}
