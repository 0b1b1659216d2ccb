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

/** Jobs. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface JobRepository extends CrudRepository<JobEntity, String> {

    /** Creates the job if it does not exist yet; returns 1 when it was created. */
    @Query("INSERT INTO jobs (id, show, shot, attributes) VALUES (:id, :show, :shot, CAST(:attributes AS jsonb)) ON CONFLICT (id) DO NOTHING")
    int insertIfAbsent(String id, String show, String shot, String attributes);

    List<JobEntity> findByShow(String show);
}
