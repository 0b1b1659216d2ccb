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

/** Training runs. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface TrainingRunRepository extends CrudRepository<TrainingRunEntity, UUID> {

    List<TrainingRunEntity> findByTaskOrderByStartedAtDesc(String task);

    List<TrainingRunEntity> findByStatus(String status);
}
