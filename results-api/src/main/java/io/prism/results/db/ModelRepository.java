package io.prism.results.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.prism.platform.db.ModelVersionEntity;
import java.util.List;

/** What results-api reads of the model registry: tasks, versions and a version's lineage. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface ModelRepository extends GenericRepository<ModelVersionEntity, Long> {

    /** A task with its active version (if any), its newest version and how many versions it has. */
    @io.micronaut.core.annotation.Introspected
    record TaskModels(String task, @Nullable Integer activeVersion, int latestVersion, long versions) {}

    @Query("""
            SELECT task, max(version) FILTER (WHERE status = 'active') AS active_version, max(version) AS latest_version,
                   count(*) AS versions
            FROM model_versions GROUP BY task ORDER BY task""")
    List<TaskModels> findTasks();

    /** A task's versions, newest first. */
    List<ModelVersionEntity> findByTaskOrderByVersionDesc(String task);

    /** The version itself, then its parent, grandparent, ... (at most 100 generations). */
    @Query("""
            WITH RECURSIVE chain AS (
              SELECT m.*, 0 AS depth FROM model_versions m WHERE m.task = :task AND m.version = :version
              UNION ALL
              SELECT p.*, chain.depth + 1 FROM model_versions p
                JOIN chain ON p.task = chain.task AND p.version = chain.parent_version
              WHERE chain.depth < 100)
            SELECT * FROM chain ORDER BY depth""")
    List<ModelVersionEntity> findLineage(String task, int version);

    boolean existsByTaskAndVersion(String task, int version);
}
