package io.prism.results.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.connection.annotation.Connectable;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.prism.platform.db.JobEntity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * Jobs with their progress (frame counts per status), newest first, keyset-paginated by (created_at, id) — the
 * {@code jobs_created_id} index.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public abstract class JobRepository implements GenericRepository<JobEntity, String> {
    /** The job states the listing derives from its frames. */
    public static final List<String> STATUSES = List.of("empty", "processing", "failed", "processed");

    private final JdbcOperations jdbc;

    protected JobRepository(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    /** Position after a job in newest-first order: its creation time and id. */
    public record JobKey(Instant createdAt, String id) {}

    public record JobFilter(@Nullable String show, @Nullable String shot, @Nullable String status, @Nullable Instant createdFrom,
                            @Nullable Instant createdTo, @Nullable JobKey after, int limit) {}

    /** A job with its frame counts; {@code status} is derived: empty, processing (frames pending), failed or processed. */
    public record JobProgress(String id, String show, String shot, String status, long total, long submitted, long processed,
                              long failed, long superseded, String attributes, Instant createdAt, Instant updatedAt,
                              @Nullable Instant lastFrameAt) {}

    private static final String SELECT = """
            SELECT * FROM (
              SELECT j.id, j.show, j.shot, j.attributes::text AS attributes, j.created_at, j.updated_at,
                     c.total, c.submitted, c.processed, c.failed, c.superseded, c.last_frame_at,
                     CASE WHEN c.total = 0 THEN 'empty'
                          WHEN c.submitted > 0 THEN 'processing'
                          WHEN c.failed > 0 THEN 'failed'
                          ELSE 'processed' END AS status
              FROM jobs j
              LEFT JOIN LATERAL (
                SELECT count(*) AS total,
                       count(*) FILTER (WHERE f.status = 'submitted') AS submitted,
                       count(*) FILTER (WHERE f.status = 'processed') AS processed,
                       count(*) FILTER (WHERE f.status = 'failed') AS failed,
                       count(*) FILTER (WHERE f.status = 'superseded') AS superseded,
                       max(f.updated_at) AS last_frame_at
                FROM frames f WHERE f.job_id = j.id) c ON true
            """;

    /** A page of jobs, newest first. */
    @Connectable
    public Slice<JobProgress> page(JobFilter f) {
        Sql sql = new Sql(SELECT).append(" WHERE true");
        if (f.show() != null) sql.append(" AND j.show = ?", f.show());
        if (f.shot() != null) sql.append(" AND j.shot = ?", f.shot());
        if (f.createdFrom() != null) sql.append(" AND j.created_at >= ?", utc(f.createdFrom()));
        if (f.createdTo() != null) sql.append(" AND j.created_at < ?", utc(f.createdTo()));
        if (f.after() != null) sql.append(" AND (j.created_at, j.id) < (?, ?)", utc(f.after().createdAt()), f.after().id());
        sql.append(") jobs");
        if (f.status() != null) sql.append(" WHERE status = ?", f.status());
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?", f.limit() + 1);
        return Slice.of(sql.query(jdbc, JobRepository::progress), f.limit());
    }

    @Connectable
    public Optional<JobProgress> findProgress(String id) {
        return new Sql(SELECT).append(" WHERE j.id = ?) jobs", id).query(jdbc, JobRepository::progress).stream().findFirst();
    }

    @Query("SELECT EXISTS (SELECT 1 FROM jobs WHERE id = :id)")
    public abstract boolean existsById(String id);

    private static JobProgress progress(ResultSet rs) throws SQLException {
        return new JobProgress(rs.getString("id"), rs.getString("show"), rs.getString("shot"), rs.getString("status"),
                rs.getLong("total"), rs.getLong("submitted"), rs.getLong("processed"), rs.getLong("failed"), rs.getLong("superseded"),
                rs.getString("attributes"), instant(rs, "created_at"), instant(rs, "updated_at"), instant(rs, "last_frame_at"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static OffsetDateTime utc(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
