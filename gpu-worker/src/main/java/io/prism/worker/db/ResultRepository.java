package io.prism.worker.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import io.prism.platform.db.ResultEntity;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The results the worker writes: inserts are idempotent on (frame, task, model version). */
@JdbcRepository(dialect = Dialect.POSTGRES)
public abstract class ResultRepository implements CrudRepository<ResultEntity, UUID> {

    /** Inserts the result unless one for its frame, task and model version exists; returns 1 if inserted. */
    public int insertIfAbsent(ResultEntity r) {
        return insertRow(r.id(), r.frameId(), r.task(), r.modelVersion(), r.resultSha256(), r.resultSize(), r.resultMediaType(),
                r.previewSha256(), r.previewSize(), r.uncertaintySha256(), r.uncertaintySize(), r.width(), r.height(),
                r.statistics(), r.latencyMs(), r.createdAt());
    }

    /** The statement behind {@link #insertIfAbsent}: an entity parameter would report 1 even when nothing was inserted. */
    @Query("""
            INSERT INTO results (id, frame_id, task, model_version, result_sha256, result_size, result_media_type,
                                 preview_sha256, preview_size, uncertainty_sha256, uncertainty_size, width, height,
                                 statistics, latency_ms, created_at)
            VALUES (:id, :frameId, :task, :modelVersion, :resultSha256, :resultSize, :resultMediaType,
                    :previewSha256, :previewSize, :uncertaintySha256, :uncertaintySize, :width, :height,
                    CAST(:statistics AS jsonb), :latencyMs, :createdAt)
            ON CONFLICT (frame_id, task, model_version) DO NOTHING""")
    protected abstract int insertRow(UUID id, UUID frameId, String task, int modelVersion, String resultSha256, long resultSize,
                                     String resultMediaType, @Nullable String previewSha256, @Nullable Long previewSize,
                                     @Nullable String uncertaintySha256, @Nullable Long uncertaintySize, int width, int height,
                                     String statistics, long latencyMs, Instant createdAt);

    public abstract List<ResultEntity> findByFrameId(UUID frameId);

    public abstract Optional<ResultEntity> findByFrameIdAndTaskAndModelVersion(UUID frameId, String task, int modelVersion);

    public abstract long countByTask(String task);
}
