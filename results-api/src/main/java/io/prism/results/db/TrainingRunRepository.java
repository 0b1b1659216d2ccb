package io.prism.results.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.connection.annotation.Connectable;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.prism.platform.db.TrainingRunEntity;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What results-api reads of the trainer's runs. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public abstract class TrainingRunRepository implements GenericRepository<TrainingRunEntity, UUID> {
    public static final List<String> STATUSES = List.of("queued", "running", "succeeded", "failed", "promoted", "rejected");

    private final JdbcOperations jdbc;

    protected TrainingRunRepository(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    /** The newest runs, optionally of one task and / or status. */
    @Connectable
    public List<TrainingRunEntity> findNewest(@Nullable String task, @Nullable String status, int limit) {
        Sql sql = new Sql("SELECT * FROM training_runs WHERE true");
        if (task != null) sql.append(" AND task = ?", task);
        if (status != null) sql.append(" AND status = ?", status);
        sql.append(" ORDER BY started_at DESC, id LIMIT ?", limit);
        return sql.entities(jdbc, TrainingRunEntity.class);
    }

    public abstract Optional<TrainingRunEntity> findById(UUID id);

    /** The runs that produced a model version (the {@code training_runs_candidate} index). */
    @Query("SELECT * FROM training_runs WHERE task = :task AND candidate_version = :version ORDER BY started_at")
    public abstract List<TrainingRunEntity> findByCandidate(String task, int version);
}
