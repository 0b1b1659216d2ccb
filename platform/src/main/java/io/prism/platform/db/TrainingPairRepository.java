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

/** Ground-truth pairs. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface TrainingPairRepository extends CrudRepository<TrainingPairEntity, UUID> {

    List<TrainingPairEntity> findByStatusOrderByReceivedAt(String status);

    long countByStatusAndReceivedAtAfter(String status, Instant after);
}
