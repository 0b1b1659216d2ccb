package io.prism.worker.db;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import io.prism.platform.db.JobEntity;

/** Jobs, for the benchmark's and the tests' seeding (ingest creates them in production). */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface JobRepository extends CrudRepository<JobEntity, String> {}
