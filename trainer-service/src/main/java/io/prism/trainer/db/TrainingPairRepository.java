package io.prism.trainer.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.connection.annotation.Connectable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.prism.platform.contracts.Task;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Ground-truth pairs ({@code training_pairs}). A pair belongs to a task when it has that task's target
 * ({@code albedo_sha256} / {@code mask_sha256}); the per-task counts name that column, so they go through
 * {@link JdbcOperations} with the column chosen from {@link Task}, never from input.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public abstract class TrainingPairRepository implements GenericRepository<TrainingPairEntity, UUID> {
    private final JdbcOperations jdbc;

    protected TrainingPairRepository(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    /** Pair counts of one show and style: accepted / rejected, holdout / train, with albedo / mask targets. */
    public record Statistics(String show, @Nullable String style, long accepted, long rejected, long holdout, long train,
                             long albedo, long mask, Instant lastReceived) {}

    public abstract Optional<TrainingPairEntity> findById(UUID id);

    /** Inserts a pair unless its id is known already (redelivery); returns whether it was new. */
    public boolean insertIfAbsent(TrainingPairEntity p) {
        return insertRow(p.id(), p.frameId(), p.jobId(), p.show(), p.shot(), p.frameNumber(), p.style(), p.beautySha256(),
                p.beautySize(), p.albedoSha256(), p.albedoSize(), p.maskSha256(), p.maskSize(), p.width(), p.height(),
                p.splitBucket(), p.status(), p.rejectReason()) == 1;
    }

    /** The statement behind {@link #insertIfAbsent} ({@code received_at} is the database's clock). */
    @Query("""
            INSERT INTO training_pairs (id, frame_id, job_id, show, shot, frame_number, style, beauty_sha256, beauty_size,
                albedo_sha256, albedo_size, mask_sha256, mask_size, width, height, split_bucket, status, reject_reason, received_at)
            VALUES (:id, :frameId, :jobId, :show, :shot, :frameNumber, :style, :beautySha256, :beautySize, :albedoSha256,
                :albedoSize, :maskSha256, :maskSize, :width, :height, :splitBucket, :status, :rejectReason, now())
            ON CONFLICT (id) DO NOTHING""")
    protected abstract int insertRow(UUID id, @Nullable UUID frameId, String jobId, String show, String shot, int frameNumber,
                                     @Nullable String style, String beautySha256, long beautySize, @Nullable String albedoSha256,
                                     @Nullable Long albedoSize, @Nullable String maskSha256, @Nullable Long maskSize,
                                     @Nullable Integer width, @Nullable Integer height, int splitBucket, String status,
                                     @Nullable String rejectReason);

    /** Accepted pairs of a task received after {@code since} (all of them when null). */
    @Connectable
    public long countAcceptedSince(String task, @Nullable Instant since) {
        return jdbc.prepareStatement("SELECT count(*) FROM training_pairs WHERE status = 'accepted' AND " + targetColumn(task)
                + " IS NOT NULL AND received_at > ?", s -> {
            s.setTimestamp(1, Timestamp.from(since == null ? Instant.EPOCH : since));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        });
    }

    /** Accepted holdout pairs of a task (split bucket below {@code threshold}). */
    @Connectable
    public long countHoldout(String task, int threshold) {
        return jdbc.prepareStatement("SELECT count(*) FROM training_pairs WHERE status = 'accepted' AND " + targetColumn(task)
                + " IS NOT NULL AND split_bucket < ?", s -> {
            s.setInt(1, threshold);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        });
    }

    /** When the oldest accepted pair of the task arrived (the clock of the time trigger before any run). */
    @Connectable
    public Optional<Instant> firstAccepted(String task) {
        return jdbc.prepareStatement("SELECT min(received_at) FROM training_pairs WHERE status = 'accepted' AND "
                + targetColumn(task) + " IS NOT NULL", s -> {
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return Optional.ofNullable(r.getTimestamp(1)).map(Timestamp::toInstant);
            }
        });
    }

    /** Pair counts per show and style ({@code holdoutThreshold}: the split bucket below which a pair is holdout). */
    @Connectable
    public List<Statistics> statistics(int holdoutThreshold) {
        return jdbc.prepareStatement("""
                SELECT show, coalesce(style, '') AS style,
                       count(*) FILTER (WHERE status = 'accepted') AS accepted,
                       count(*) FILTER (WHERE status = 'rejected') AS rejected,
                       count(*) FILTER (WHERE status = 'accepted' AND split_bucket < ?) AS holdout,
                       count(*) FILTER (WHERE status = 'accepted' AND split_bucket >= ?) AS train,
                       count(*) FILTER (WHERE status = 'accepted' AND albedo_sha256 IS NOT NULL) AS albedo,
                       count(*) FILTER (WHERE status = 'accepted' AND mask_sha256 IS NOT NULL) AS mask,
                       max(received_at) AS last_received
                FROM training_pairs GROUP BY show, coalesce(style, '') ORDER BY show, style""", s -> {
            s.setInt(1, holdoutThreshold);
            s.setInt(2, holdoutThreshold);
            List<Statistics> out = new java.util.ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    String style = r.getString("style");
                    out.add(new Statistics(r.getString("show"), style.isEmpty() ? null : style, r.getLong("accepted"),
                            r.getLong("rejected"), r.getLong("holdout"), r.getLong("train"), r.getLong("albedo"), r.getLong("mask"),
                            r.getTimestamp("last_received").toInstant()));
                }
            }
            return out;
        });
    }

    /** The pairs refused, newest first. */
    @Query("SELECT * FROM training_pairs WHERE status = 'rejected' ORDER BY received_at DESC LIMIT :limit")
    public abstract List<TrainingPairEntity> findRejected(int limit);

    /** A run's snapshot pairs of one role ({@code train} / {@code holdout}), in a stable order. */
    @Query("""
            SELECT p.* FROM training_run_pairs rp JOIN training_pairs p ON p.id = rp.pair_id
            WHERE rp.run_id = :runId AND rp.role = :role ORDER BY p.id""")
    public abstract List<TrainingPairEntity> findOfRun(UUID runId, String role);

    /** The column holding a task's target: a pair belongs to the tasks whose target it has. */
    static String targetColumn(String task) {
        return switch (task) {
            case Task.ALBEDO -> "albedo_sha256";
            case Task.MASK -> "mask_sha256";
            default -> throw new IllegalArgumentException("unknown task " + task);
        };
    }
}
