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

/** The model registry's rows. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface ModelVersionRepository extends CrudRepository<ModelVersionEntity, Long> {

    Optional<ModelVersionEntity> findByTaskAndStatus(String task, String status);

    Optional<ModelVersionEntity> findByTaskAndVersion(String task, int version);

    List<ModelVersionEntity> findByTaskOrderByVersionDesc(String task);

    @Query("SELECT COALESCE(MAX(version), 0) FROM model_versions WHERE task = :task")
    int maxVersion(String task);

    @Query("UPDATE model_versions SET status = :status, promoted_at = CASE WHEN :status = 'active' THEN now() ELSE promoted_at END WHERE task = :task AND version = :version")
    int updateStatus(String task, int version, String status);
}
