package io.prism.trainer.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.prism.platform.contracts.EventCodec;
import io.micronaut.transaction.annotation.Transactional;
import io.prism.platform.db.TrainingRunEntity;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Fine-tuning runs ({@code training_runs}): creation, ownership, progress and the end. Progress writes are fenced:
 * they apply only while the writer still owns the run. Log lines are appended with a timestamp; metrics are merged
 * into the run's jsonb.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public abstract class TrainingRunRepository implements GenericRepository<TrainingRunEntity, UUID> {
    private final JdbcOperations jdbc;

    protected TrainingRunRepository(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    public abstract Optional<TrainingRunEntity> findById(UUID id);

    /** Start time of the task's latest run (any outcome), the reference point of the policy. */
    @Query("SELECT max(started_at) FROM training_runs WHERE task = :task")
    public abstract Optional<Instant> findLastStart(String task);

    /** A run of the task that was started and never finished (its instance died or was stopped). */
    @Query("SELECT * FROM training_runs WHERE task = :task AND status IN ('queued', 'running') ORDER BY started_at LIMIT 1")
    public abstract Optional<TrainingRunEntity> findUnfinished(String task);

    /** The newest runs of a task, or of every task when {@code task} is null. */
    public List<TrainingRunEntity> findNewest(@Nullable String task, int limit) {
        return task == null ? findNewest(limit) : findNewestOfTask(task, limit);
    }

    @Query("SELECT * FROM training_runs ORDER BY started_at DESC LIMIT :limit")
    protected abstract List<TrainingRunEntity> findNewest(int limit);

    @Query("SELECT * FROM training_runs WHERE task = :task ORDER BY started_at DESC LIMIT :limit")
    protected abstract List<TrainingRunEntity> findNewestOfTask(String task, int limit);

    /**
     * Creates a running run owned by {@code owner} and fixes its data snapshot in one transaction: the task's accepted
     * holdout pairs and its newest {@code maxTrain} accepted train pairs ({@code training_run_pairs}).
     */
    @Transactional
    public TrainingRunEntity create(String task, @Nullable Integer baseVersion, String trigger, int stepsTotal, String owner,
                                    Path runsDir, int holdoutThreshold, int maxTrain) {
        UUID id = UUID.randomUUID();
        insertRunning(id, task, baseVersion, trigger, stepsTotal, runsDir.resolve(id.toString()).toAbsolutePath().toString(), owner);
        String col = TrainingPairRepository.targetColumn(task);
        jdbc.prepareStatement("INSERT INTO training_run_pairs (run_id, pair_id, role) SELECT ?, id, 'holdout' FROM training_pairs "
                + "WHERE status = 'accepted' AND " + col + " IS NOT NULL AND split_bucket < ?", s -> {
            s.setObject(1, id);
            s.setInt(2, holdoutThreshold);
            return s.executeUpdate();
        });
        jdbc.prepareStatement("INSERT INTO training_run_pairs (run_id, pair_id, role) SELECT ?, id, 'train' FROM (SELECT id "
                + "FROM training_pairs WHERE status = 'accepted' AND " + col + " IS NOT NULL AND split_bucket >= ? "
                + "ORDER BY received_at DESC, id LIMIT ?) newest", s -> {
            s.setObject(1, id);
            s.setInt(2, holdoutThreshold);
            s.setInt(3, maxTrain);
            return s.executeUpdate();
        });
        return findById(id).orElseThrow();
    }

    @Query("""
            INSERT INTO training_runs (id, task, status, base_version, trigger, steps_total, steps_done, metrics, log,
                checkpoint_dir, owner, started_at, heartbeat_at)
            VALUES (:id, :task, 'running', :baseVersion, :trigger, :stepsTotal, 0, '{}', '', :checkpointDir, :owner, now(), now())""")
    protected abstract void insertRunning(UUID id, String task, @Nullable Integer baseVersion, String trigger, int stepsTotal,
                                          String checkpointDir, String owner);

    /** Takes over an unfinished run (the caller holds the task's lease). */
    public void claim(UUID runId, String owner, String logLine) {
        claimRow(runId, owner, line(logLine));
    }

    @Query("UPDATE training_runs SET owner = :owner, status = 'running', heartbeat_at = now(), log = log || :line WHERE id = :runId")
    protected abstract int claimRow(UUID runId, String owner, String line);

    /**
     * Writes progress and the heartbeat, only while {@code owner} still owns the run; returns false when another
     * instance has taken it over (the caller must stop: this is the fencing check).
     */
    public boolean progress(UUID runId, String owner, int stepsDone, Map<String, Object> metrics, @Nullable String logLine) {
        return progressRow(runId, owner, stepsDone, json(metrics), logLine == null ? "" : line(logLine)) == 1;
    }

    @Query("""
            UPDATE training_runs SET steps_done = greatest(steps_done, :stepsDone), metrics = metrics || CAST(:metrics AS jsonb),
                log = log || :line, heartbeat_at = now() WHERE id = :runId AND owner = :owner""")
    protected abstract int progressRow(UUID runId, String owner, int stepsDone, String metrics, String line);

    @Query("UPDATE training_runs SET candidate_version = :candidateVersion WHERE id = :runId")
    public abstract int setCandidate(UUID runId, int candidateVersion);

    /** Ends a run: promoted, rejected or failed. */
    public void finish(UUID runId, String status, Map<String, Object> metrics, String logLine) {
        finishRow(runId, status, json(metrics), line(logLine));
    }

    @Query("""
            UPDATE training_runs SET status = :status, metrics = metrics || CAST(:metrics AS jsonb), log = log || :line,
                finished_at = now(), heartbeat_at = now() WHERE id = :runId""")
    protected abstract int finishRow(UUID runId, String status, String metrics, String line);

    private static String line(String text) {
        return Instant.now() + " " + text + "\n";
    }

    private static String json(Map<String, Object> metrics) {
        try {
            return EventCodec.mapper().writeValueAsString(metrics == null ? Map.of() : metrics);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
