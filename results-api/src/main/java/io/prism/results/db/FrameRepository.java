package io.prism.results.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.connection.annotation.Connectable;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.prism.platform.db.FrameEntity;
import io.prism.platform.db.ModelVersionEntity;
import io.prism.platform.db.ResultEntity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What results-api reads of frames and their results. Listings are keyset-paginated in (frame_number, layer,
 * frame_version) order — the {@code frames_job_keyset} / {@code frames_job_status_keyset} indexes — and a page's
 * results come in one {@code frame_id = ANY(?)} query on the same connection.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public abstract class FrameRepository implements GenericRepository<FrameEntity, UUID> {
    private final JdbcOperations jdbc;

    protected FrameRepository(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    /** Position after a frame within a job: (frame_number, layer, frame_version) is unique there. */
    public record FrameKey(int frameNumber, String layer, int frameVersion) {}

    public record FrameFilter(String jobId, @Nullable String status, @Nullable String layer, @Nullable Integer fromFrame,
                              @Nullable Integer toFrame, @Nullable FrameKey after, int limit, boolean withResults) {}

    /** A frame with its results (empty when they were not asked for). */
    public record FrameWithResults(FrameEntity frame, List<ResultEntity> results) {}

    /** A result and the registry row of the model version that made it (null once that row is gone). */
    public record ResultWithModel(ResultEntity result, @Nullable ModelVersionEntity model) {}

    /** One frame with its results and every version of the same frame (oldest first). */
    public record FrameDetail(FrameEntity frame, List<ResultWithModel> results, List<FrameEntity> versions) {}

    private static final String RESULTS_OF_FRAMES = "SELECT * FROM results WHERE frame_id = ANY(?) ORDER BY task, model_version";

    /** A page of a job's frames in keyset order, with their results when the filter asks for them. */
    @Connectable
    public Slice<FrameWithResults> page(FrameFilter f) {
        Slice<FrameEntity> frames = Slice.of(framesSql(f).query(jdbc, Rows::frame), f.limit());
        List<FrameWithResults> items = f.withResults() ? withResults(frames.items())
                : frames.items().stream().map(fr -> new FrameWithResults(fr, List.of())).toList();
        return new Slice<>(items, frames.more());
    }

    private static Sql framesSql(FrameFilter f) {
        Sql sql = new Sql("SELECT f.* FROM frames f WHERE f.job_id = ?", f.jobId());
        if (f.status() != null) sql.append(" AND f.status = ?", f.status());
        if (f.layer() != null) sql.append(" AND f.layer = ?", f.layer());
        if (f.fromFrame() != null) sql.append(" AND f.frame_number >= ?", f.fromFrame());
        if (f.toFrame() != null) sql.append(" AND f.frame_number <= ?", f.toFrame());
        if (f.after() != null) {
            sql.append(" AND (f.frame_number, f.layer, f.frame_version) > (?, ?, ?)",
                    f.after().frameNumber(), f.after().layer(), f.after().frameVersion());
        }
        return sql.append(" ORDER BY f.frame_number, f.layer, f.frame_version LIMIT ?", f.limit() + 1);
    }

    /**
     * The statements a frames page runs, with their parameters written in as SQL literals, for running the very same
     * queries in psql (the benchmark's database floor): the frames query, then — given the ids it returned — the
     * results query.
     */
    public static String framesStatementForPsql(FrameFilter f) {
        return framesSql(f).inline();
    }

    public static String resultsStatementForPsql(List<UUID> frameIds) {
        String array = "'{" + String.join(",", frameIds.stream().map(UUID::toString).toList()) + "}'::uuid[]";
        return RESULTS_OF_FRAMES.replace("?", array);
    }

    /** All versions of one frame number of a job (every layer, or one), newest version first per layer, with results. */
    @Connectable
    public List<FrameWithResults> findByNumber(String jobId, int frameNumber, @Nullable String layer) {
        Sql sql = new Sql("SELECT f.* FROM frames f WHERE f.job_id = ? AND f.frame_number = ?", jobId, frameNumber);
        if (layer != null) sql.append(" AND f.layer = ?", layer);
        sql.append(" ORDER BY f.layer, f.frame_version DESC");
        return withResults(sql.query(jdbc, Rows::frame));
    }

    @Connectable
    public Optional<FrameDetail> findDetail(UUID id) {
        Optional<FrameEntity> found = findById(id);
        if (found.isEmpty()) return Optional.empty();
        FrameEntity frame = found.get();
        List<ResultEntity> results = new Sql("SELECT * FROM results WHERE frame_id = ? ORDER BY task, model_version", id)
                .query(jdbc, Rows::result);
        Map<String, ModelVersionEntity> models = new LinkedHashMap<>();
        new Sql("""
                SELECT m.* FROM model_versions m
                WHERE (m.task, m.version) IN (SELECT r.task, r.model_version FROM results r WHERE r.frame_id = ?)""", id)
                .entities(jdbc, ModelVersionEntity.class).forEach(m -> models.put(m.task() + "/" + m.version(), m));
        List<ResultWithModel> resultsWithModels = results.stream()
                .map(r -> new ResultWithModel(r, models.get(r.task() + "/" + r.modelVersion()))).toList();
        List<FrameEntity> versions = new Sql("SELECT * FROM frames WHERE job_id = ? AND layer = ? AND frame_number = ? ORDER BY frame_version",
                frame.jobId(), frame.layer(), frame.frameNumber()).query(jdbc, Rows::frame);
        return Optional.of(new FrameDetail(frame, resultsWithModels, versions));
    }

    @Connectable
    public Optional<FrameEntity> findById(UUID id) {
        return new Sql("SELECT * FROM frames WHERE id = ?", id).query(jdbc, Rows::frame).stream().findFirst();
    }

    @Connectable
    public Optional<ResultEntity> findResult(UUID resultId) {
        return new Sql("SELECT * FROM results WHERE id = ?", resultId).query(jdbc, Rows::result).stream().findFirst();
    }

    /**
     * The newest version of each (layer, frame number) of a job that is not superseded, within the layer and range;
     * up to {@code max + 1} rows, so that the caller can tell a selection that is too large.
     */
    @Connectable
    public List<FrameEntity> findToResubmit(String jobId, @Nullable String layer, @Nullable Integer from, @Nullable Integer to, int max) {
        Sql sql = new Sql("SELECT DISTINCT ON (f.layer, f.frame_number) f.* FROM frames f WHERE f.job_id = ? AND f.status <> 'superseded'", jobId);
        if (layer != null) sql.append(" AND f.layer = ?", layer);
        if (from != null) sql.append(" AND f.frame_number >= ?", from);
        if (to != null) sql.append(" AND f.frame_number <= ?", to);
        sql.append(" ORDER BY f.layer, f.frame_number, f.frame_version DESC LIMIT ?", max + 1);
        return sql.query(jdbc, Rows::frame);
    }

    private List<FrameWithResults> withResults(List<FrameEntity> frames) {
        if (frames.isEmpty()) return List.of();
        Map<UUID, List<ResultEntity>> byFrame = new LinkedHashMap<>();
        frames.forEach(f -> byFrame.put(f.id(), new ArrayList<>()));
        UUID[] ids = byFrame.keySet().toArray(UUID[]::new);
        jdbc.prepareStatement(RESULTS_OF_FRAMES, ps -> {
            ps.setArray(1, ps.getConnection().createArrayOf("uuid", ids));
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    ResultEntity r = Rows.result(rs);
                    byFrame.get(r.frameId()).add(r);
                }
            }
            return null;
        });
        return frames.stream().map(f -> new FrameWithResults(f, byFrame.get(f.id()))).toList();
    }
}
