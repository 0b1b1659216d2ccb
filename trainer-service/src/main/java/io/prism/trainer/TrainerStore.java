package io.prism.trainer;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.Task;
import io.prism.platform.db.Database;
import io.prism.platform.db.TrainingPairEntity;
import io.prism.platform.db.TrainingRunEntity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * All of the trainer's SQL: pairs, run bookkeeping, data snapshots and leases. A pair belongs to a task when it has
 * that task's target ({@code albedo_sha256} / {@code mask_sha256}). Every method runs in its own transaction.
 */
public final class TrainerStore {
    private final Database db;

    public TrainerStore(Database db) {
        this.db = db;
    }

    public Database database() {
        return db;
    }

    @FunctionalInterface
    private interface Sql<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T tx(Sql<T> work) {
        return db.inTransaction(c -> {
            try {
                return work.run(c);
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    private static String targetColumn(String task) {
        return switch (task) {
            case Task.ALBEDO -> "albedo_sha256";
            case Task.MASK -> "mask_sha256";
            default -> throw new IllegalArgumentException("unknown task " + task);
        };
    }

    // ---------------------------------------------------------------------------------------------- pairs

    /** Inserts a pair unless its id is known already (redelivery); returns whether it was new. */
    public boolean insertPair(TrainingPairEntity p) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO training_pairs (id, frame_id, job_id, show, shot, frame_number, style, beauty_sha256,
                        beauty_size, albedo_sha256, albedo_size, mask_sha256, mask_size, width, height, split_bucket,
                        status, reject_reason, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
                    ON CONFLICT (id) DO NOTHING""")) {
                int i = 1;
                s.setObject(i++, p.id());
                s.setObject(i++, p.frameId());
                s.setString(i++, p.jobId());
                s.setString(i++, p.show());
                s.setString(i++, p.shot());
                s.setInt(i++, p.frameNumber());
                s.setString(i++, p.style());
                s.setString(i++, p.beautySha256());
                s.setLong(i++, p.beautySize());
                s.setString(i++, p.albedoSha256());
                s.setObject(i++, p.albedoSize());
                s.setString(i++, p.maskSha256());
                s.setObject(i++, p.maskSize());
                s.setObject(i++, p.width());
                s.setObject(i++, p.height());
                s.setInt(i++, p.splitBucket());
                s.setString(i++, p.status());
                s.setString(i++, p.rejectReason());
                return s.executeUpdate() == 1;
            }
        });
    }

    public Optional<TrainingPairEntity> pair(UUID id) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM training_pairs WHERE id = ?")) {
                s.setObject(1, id);
                List<TrainingPairEntity> l = pairs(s);
                return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
            }
        });
    }

    /** Accepted pairs of a task received after {@code since} (all of them when null). */
    public long countNewPairs(String task, Instant since) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM training_pairs WHERE status = 'accepted' AND "
                    + targetColumn(task) + " IS NOT NULL AND received_at > ?")) {
                s.setTimestamp(1, Timestamp.from(since == null ? Instant.EPOCH : since));
                return single(s);
            }
        });
    }

    /** Accepted holdout pairs of a task. */
    public long countHoldout(String task, int threshold) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM training_pairs WHERE status = 'accepted' AND "
                    + targetColumn(task) + " IS NOT NULL AND split_bucket < ?")) {
                s.setInt(1, threshold);
                return single(s);
            }
        });
    }

    /** When the oldest accepted pair of the task arrived (the clock of the time trigger before any run). */
    public Optional<Instant> firstPairTime(String task) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT min(received_at) FROM training_pairs WHERE status = 'accepted' AND "
                    + targetColumn(task) + " IS NOT NULL"); ResultSet r = s.executeQuery()) {
                r.next();
                Timestamp t = r.getTimestamp(1);
                return Optional.ofNullable(t).map(Timestamp::toInstant);
            }
        });
    }

    /** Pair counts per show and style: accepted/rejected, train/holdout, albedo/mask targets. */
    public List<Map<String, Object>> pairStatistics(int holdoutThreshold) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT show, coalesce(style, '') AS style,
                           count(*) FILTER (WHERE status = 'accepted') AS accepted,
                           count(*) FILTER (WHERE status = 'rejected') AS rejected,
                           count(*) FILTER (WHERE status = 'accepted' AND split_bucket < ?) AS holdout,
                           count(*) FILTER (WHERE status = 'accepted' AND split_bucket >= ?) AS train,
                           count(*) FILTER (WHERE status = 'accepted' AND albedo_sha256 IS NOT NULL) AS albedo,
                           count(*) FILTER (WHERE status = 'accepted' AND mask_sha256 IS NOT NULL) AS mask,
                           max(received_at) AS last_received
                    FROM training_pairs GROUP BY show, coalesce(style, '') ORDER BY show, style""")) {
                s.setInt(1, holdoutThreshold);
                s.setInt(2, holdoutThreshold);
                List<Map<String, Object>> out = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("show", r.getString("show"));
                        m.put("style", r.getString("style").isEmpty() ? null : r.getString("style"));
                        for (String k : List.of("accepted", "rejected", "holdout", "train", "albedo", "mask")) {
                            m.put(k, r.getLong(k));
                        }
                        m.put("lastReceived", r.getTimestamp("last_received").toInstant().toString());
                        out.add(m);
                    }
                }
                return out;
            }
        });
    }

    /** The reasons pairs were refused, newest first. */
    public List<TrainingPairEntity> rejectedPairs(int limit) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM training_pairs WHERE status = 'rejected' ORDER BY received_at DESC LIMIT ?")) {
                s.setInt(1, limit);
                return pairs(s);
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- runs

    /** Start time of the task's latest run (any outcome), the reference point of the policy. */
    public Optional<Instant> lastRunStart(String task) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT max(started_at) FROM training_runs WHERE task = ?")) {
                s.setString(1, task);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return Optional.ofNullable(r.getTimestamp(1)).map(Timestamp::toInstant);
                }
            }
        });
    }

    /** A run of the task that was started and never finished (its instance died or was stopped). */
    public Optional<TrainingRunEntity> unfinishedRun(String task) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM training_runs WHERE task = ? AND status IN ('queued', 'running') ORDER BY started_at LIMIT 1")) {
                s.setString(1, task);
                List<TrainingRunEntity> l = runs(s);
                return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
            }
        });
    }

    public Optional<TrainingRunEntity> run(UUID id) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM training_runs WHERE id = ?")) {
                s.setObject(1, id);
                List<TrainingRunEntity> l = runs(s);
                return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
            }
        });
    }

    public List<TrainingRunEntity> runs(String task, int limit) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement(task == null
                    ? "SELECT * FROM training_runs ORDER BY started_at DESC LIMIT ?"
                    : "SELECT * FROM training_runs WHERE task = ? ORDER BY started_at DESC LIMIT ?")) {
                int i = 1;
                if (task != null) s.setString(i++, task);
                s.setInt(i, limit);
                return runs(s);
            }
        });
    }

    /**
     * Creates a running run and fixes its data snapshot in one transaction: the task's accepted holdout pairs and
     * its newest {@code maxTrain} accepted train pairs. Returns the run id and the snapshot's sizes.
     */
    public TrainingRunEntity createRun(String task, Integer baseVersion, String trigger, int stepsTotal, String owner,
                                       String checkpointDirPattern, int holdoutThreshold, int maxTrain) {
        UUID id = UUID.randomUUID();
        String dir = checkpointDirPattern.replace("{run}", id.toString());
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO training_runs (id, task, status, base_version, trigger, steps_total, steps_done, metrics,
                        log, checkpoint_dir, owner, started_at, heartbeat_at)
                    VALUES (?, ?, 'running', ?, ?, ?, 0, '{}', '', ?, ?, now(), now())""")) {
                s.setObject(1, id);
                s.setString(2, task);
                s.setObject(3, baseVersion);
                s.setString(4, trigger);
                s.setInt(5, stepsTotal);
                s.setString(6, dir);
                s.setString(7, owner);
                s.executeUpdate();
            }
            String col = targetColumn(task);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO training_run_pairs (run_id, pair_id, role) "
                    + "SELECT ?, id, 'holdout' FROM training_pairs WHERE status = 'accepted' AND " + col + " IS NOT NULL AND split_bucket < ?")) {
                s.setObject(1, id);
                s.setInt(2, holdoutThreshold);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO training_run_pairs (run_id, pair_id, role) "
                    + "SELECT ?, id, 'train' FROM (SELECT id FROM training_pairs WHERE status = 'accepted' AND " + col
                    + " IS NOT NULL AND split_bucket >= ? ORDER BY received_at DESC, id LIMIT ?) newest")) {
                s.setObject(1, id);
                s.setInt(2, holdoutThreshold);
                s.setInt(3, maxTrain);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM training_runs WHERE id = ?")) {
                s.setObject(1, id);
                return runs(s).get(0);
            }
        });
    }

    /** The run's snapshot pairs of one role ({@code train} / {@code holdout}), in a stable order. */
    public List<TrainingPairEntity> runPairs(UUID runId, String role) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT p.* FROM training_run_pairs rp JOIN training_pairs p ON p.id = rp.pair_id "
                    + "WHERE rp.run_id = ? AND rp.role = ? ORDER BY p.id")) {
                s.setObject(1, runId);
                s.setString(2, role);
                return pairs(s);
            }
        });
    }

    /** Takes over an unfinished run (the caller holds the task's lease). */
    public void claimRun(UUID runId, String owner, String logLine) {
        tx(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training_runs SET owner = ?, status = 'running', heartbeat_at = now(), "
                    + "log = log || ? WHERE id = ?")) {
                s.setString(1, owner);
                s.setString(2, line(logLine));
                s.setObject(3, runId);
                return s.executeUpdate();
            }
        });
    }

    /**
     * Writes progress and the heartbeat, only while {@code owner} still owns the run; returns false when another
     * instance has taken it over (the caller must stop: this is the fencing check).
     */
    public boolean progress(UUID runId, String owner, int stepsDone, Map<String, Object> metrics, String logLine) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training_runs SET steps_done = greatest(steps_done, ?), "
                    + "metrics = metrics || ?::jsonb, log = log || ?, heartbeat_at = now() WHERE id = ? AND owner = ?")) {
                s.setInt(1, stepsDone);
                s.setString(2, json(metrics));
                s.setString(3, logLine == null ? "" : line(logLine));
                s.setObject(4, runId);
                s.setString(5, owner);
                return s.executeUpdate() == 1;
            }
        });
    }

    public void setCandidate(UUID runId, int candidateVersion) {
        tx(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training_runs SET candidate_version = ? WHERE id = ?")) {
                s.setInt(1, candidateVersion);
                s.setObject(2, runId);
                return s.executeUpdate();
            }
        });
    }

    /** Ends a run: promoted, rejected or failed. */
    public void finishRun(UUID runId, String status, Map<String, Object> metrics, String logLine) {
        tx(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training_runs SET status = ?, metrics = metrics || ?::jsonb, "
                    + "log = log || ?, finished_at = now(), heartbeat_at = now() WHERE id = ?")) {
                s.setString(1, status);
                s.setString(2, json(metrics));
                s.setString(3, line(logLine));
                s.setObject(4, runId);
                return s.executeUpdate();
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- leases

    /**
     * Takes the named lease for {@code ttl} if it is free, expired or already ours; returns whether we hold it.
     * The insert-or-update is one atomic statement and the clock is the database's, so instances with skewed
     * clocks still agree on expiry.
     */
    public boolean acquireLease(String name, String owner, Duration ttl) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, now() + ? * interval '1 millisecond')
                    ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                    WHERE leases.owner = EXCLUDED.owner OR leases.expires_at < now()
                    RETURNING owner""")) {
                s.setString(1, name);
                s.setString(2, owner);
                s.setLong(3, ttl.toMillis());
                try (ResultSet r = s.executeQuery()) {
                    return r.next() && owner.equals(r.getString(1));
                }
            }
        });
    }

    /** Extends our lease; false when it is no longer ours (it expired and someone else took it). */
    public boolean renewLease(String name, String owner, Duration ttl) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE leases SET expires_at = now() + ? * interval '1 millisecond' "
                    + "WHERE name = ? AND owner = ?")) {
                s.setLong(1, ttl.toMillis());
                s.setString(2, name);
                s.setString(3, owner);
                return s.executeUpdate() == 1;
            }
        });
    }

    public void releaseLease(String name, String owner) {
        tx(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM leases WHERE name = ? AND owner = ?")) {
                s.setString(1, name);
                s.setString(2, owner);
                return s.executeUpdate();
            }
        });
    }

    public Optional<String> leaseHolder(String name) {
        return tx(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT owner FROM leases WHERE name = ? AND expires_at >= now()")) {
                s.setString(1, name);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- mapping

    private static long single(PreparedStatement s) throws SQLException {
        try (ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    private static String line(String text) {
        return Instant.now() + " " + text + "\n";
    }

    static String json(Object o) {
        try {
            return EventCodec.mapper().writeValueAsString(o == null ? Map.of() : o);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static List<TrainingPairEntity> pairs(PreparedStatement s) throws SQLException {
        List<TrainingPairEntity> out = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                out.add(new TrainingPairEntity(r.getObject("id", UUID.class), r.getObject("frame_id", UUID.class),
                        r.getString("job_id"), r.getString("show"), r.getString("shot"), r.getInt("frame_number"),
                        r.getString("style"), trim(r.getString("beauty_sha256")), r.getLong("beauty_size"),
                        trim(r.getString("albedo_sha256")), (Long) r.getObject("albedo_size"),
                        trim(r.getString("mask_sha256")), (Long) r.getObject("mask_size"),
                        (Integer) r.getObject("width"), (Integer) r.getObject("height"), r.getInt("split_bucket"),
                        r.getString("status"), r.getString("reject_reason"), r.getTimestamp("received_at").toInstant()));
            }
        }
        return out;
    }

    private static List<TrainingRunEntity> runs(PreparedStatement s) throws SQLException {
        List<TrainingRunEntity> out = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
                Timestamp fin = r.getTimestamp("finished_at");
                out.add(new TrainingRunEntity(r.getObject("id", UUID.class), r.getString("task"), r.getString("status"),
                        (Integer) r.getObject("base_version"), (Integer) r.getObject("candidate_version"),
                        r.getString("trigger"), r.getInt("steps_total"), r.getInt("steps_done"), r.getString("metrics"),
                        r.getString("log"), r.getString("checkpoint_dir"), r.getString("owner"),
                        r.getTimestamp("started_at").toInstant(), r.getTimestamp("heartbeat_at").toInstant(),
                        fin == null ? null : fin.toInstant()));
            }
        }
        return out;
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }
}
