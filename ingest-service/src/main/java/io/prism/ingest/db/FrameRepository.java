package io.prism.ingest.db;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import io.prism.platform.db.FrameEntity;
import java.util.Optional;
import java.util.UUID;

/** Ingest's side of frames: new versions and the newest version of a frame (for duplicate detection). */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface FrameRepository extends CrudRepository<FrameEntity, UUID> {

    /** The newest version of a frame: a submission of the same bytes is a duplicate of it, other bytes a new version. */
    @Query("""
            SELECT * FROM frames WHERE job_id = :jobId AND layer = :layer AND frame_number = :frameNumber
            ORDER BY frame_version DESC LIMIT 1""")
    Optional<FrameEntity> findNewestVersion(String jobId, String layer, int frameNumber);
}
