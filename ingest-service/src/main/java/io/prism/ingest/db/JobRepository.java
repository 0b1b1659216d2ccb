package io.prism.ingest.db;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import io.prism.platform.db.JobEntity;

/** Jobs, created by the first frame submitted for them. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface JobRepository extends CrudRepository<JobEntity, String> {

    /** Creates the job if it does not exist yet; returns 1 when it was created. */
    @Query("INSERT INTO jobs (id, show, shot, attributes) VALUES (:id, :show, :shot, CAST(:attributes AS jsonb)) ON CONFLICT (id) DO NOTHING")
    int insertIfAbsent(String id, String show, String shot, String attributes);
}
