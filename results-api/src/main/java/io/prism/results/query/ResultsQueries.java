package io.prism.results.query;

import io.prism.platform.contracts.BlobRef;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.FrameStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Every SQL statement results-api runs, in one place. Reads map rows straight to the JSON the API returns
 * (camelCase members, ISO-8601 times, jsonb columns as nested objects).
 *
 * <p>Listings are keyset-paginated ({@link Cursor}): frames in (frame_number, layer, frame_version) order — the
 * {@code frames_job_keyset} index — and jobs newest first by (created_at, id).
 */
public final class ResultsQueries {
    public static final List<String> FRAME_STATUSES = FrameStatus.allValues();
    public static final List<String> JOB_STATUSES = List.of("empty", "processing", "failed", "processed");
    public static final List<String> RUN_STATUSES = List.of("queued", "running", "succeeded", "failed", "promoted", "rejected");

    private final DataSource dataSource;

    public ResultsQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    // ---------------------------------------------------------------- jobs

    public record JobFilter(String show, String shot, String status, Instant createdFrom, Instant createdTo,
                            Cursor.JobKey after, int limit) {}

    private static final String JOB_SELECT = """
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

    /** A page of jobs (newest first) with progress counts per frame status; {@code next} is null on the last page. */
    public JsonObject jobs(JobFilter f) {
        Sql sql = new Sql(JOB_SELECT).append(" WHERE true");
        if (f.show() != null) sql.append(" AND j.show = ?", f.show());
        if (f.shot() != null) sql.append(" AND j.shot = ?", f.shot());
        if (f.createdFrom() != null) sql.append(" AND j.created_at >= ?", ts(f.createdFrom()));
        if (f.createdTo() != null) sql.append(" AND j.created_at < ?", ts(f.createdTo()));
        if (f.after() != null) {
            sql.append(" AND (j.created_at, j.id) < (?, ?)", ts(fromMicros(f.after().createdMicros())), f.after().id());
        }
        sql.append(") jobs");
        if (f.status() != null) sql.append(" WHERE status = ?", f.status());
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?", f.limit() + 1);
        List<JsonObject> rows = sql.query(dataSource, ResultsQueries::jobJson);
        String next = null;
        if (rows.size() > f.limit()) {
            rows = rows.subList(0, f.limit());
            JsonObject last = rows.get(rows.size() - 1);
            next = Cursor.job(new Cursor.JobKey(toMicros(Instant.parse(last.getString("createdAt"))), last.getString("id")));
        }
        return page(rows, next);
    }

    public Optional<JsonObject> job(String id) {
        return new Sql(JOB_SELECT).append(" WHERE j.id = ?) jobs", id).query(dataSource, ResultsQueries::jobJson).stream().findFirst();
    }

    private static JsonObject jobJson(ResultSet rs) throws SQLException {
        long total = rs.getLong("total");
        long done = rs.getLong("processed") + rs.getLong("failed") + rs.getLong("superseded");
        return new JsonObject()
                .put("id", rs.getString("id"))
                .put("show", rs.getString("show"))
                .put("shot", rs.getString("shot"))
                .put("status", rs.getString("status"))
                .put("progress", new JsonObject()
                        .put("total", total)
                        .put("submitted", rs.getLong("submitted"))
                        .put("processed", rs.getLong("processed"))
                        .put("failed", rs.getLong("failed"))
                        .put("superseded", rs.getLong("superseded"))
                        .put("fractionDone", total == 0 ? 0.0 : (double) done / total))
                .put("attributes", json(rs.getString("attributes")))
                .put("createdAt", instant(rs, "created_at"))
                .put("updatedAt", instant(rs, "updated_at"))
                .put("lastFrameAt", instant(rs, "last_frame_at"));
    }

    // ---------------------------------------------------------------- frames

    public record FrameFilter(String jobId, String status, String layer, Integer fromFrame, Integer toFrame,
                              Cursor.FrameKey after, int limit, boolean withResults) {}

    private static final String FRAME_COLUMNS = """
            f.id, f.job_id, f.show, f.shot, f.layer, f.frame_number, f.frame_version, f.source_uri, f.source_path,
            f.sha256, f.size_bytes, f.media_type, f.width, f.height, f.channels, f.status, f.status_reason,
            f.attributes::text AS attributes, f.submitted_at, f.updated_at""";

    /** A page of a job's frames in (frame number, layer, version) order, optionally with their results. */
    public JsonObject frames(FrameFilter f) {
        Sql sql = framesSql(f);
        try (Connection c = dataSource.getConnection()) {
            List<JsonObject> rows = sql.query(c, ResultsQueries::frameJson);
            String next = null;
            if (rows.size() > f.limit()) {
                rows = new ArrayList<>(rows.subList(0, f.limit()));
                JsonObject last = rows.get(rows.size() - 1);
                next = Cursor.frame(new Cursor.FrameKey(last.getInteger("frameNumber"), last.getString("layer"), last.getInteger("frameVersion")));
            }
            if (f.withResults()) {
                attachResults(c, rows);
            }
            return page(rows, next);
        } catch (SQLException e) {
            throw new IllegalStateException("frames query failed: " + e.getMessage(), e);
        }
    }

    private static Sql framesSql(FrameFilter f) {
        Sql sql = new Sql("SELECT " + FRAME_COLUMNS + " FROM frames f WHERE f.job_id = ?", f.jobId());
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

    private static final String RESULTS_OF_FRAMES =
            "SELECT r.*, r.statistics::text AS stats FROM results r WHERE r.frame_id = ANY(?) ORDER BY r.task, r.model_version";

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

    /** All versions of one frame number of a job (every layer), each with its results. */
    public List<JsonObject> framesByNumber(String jobId, int frameNumber, String layer) {
        Sql sql = new Sql("SELECT " + FRAME_COLUMNS + " FROM frames f WHERE f.job_id = ? AND f.frame_number = ?", jobId, frameNumber);
        if (layer != null) sql.append(" AND f.layer = ?", layer);
        sql.append(" ORDER BY f.layer, f.frame_version DESC");
        try (Connection c = dataSource.getConnection()) {
            List<JsonObject> rows = sql.query(c, ResultsQueries::frameJson);
            attachResults(c, rows);
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("frame query failed: " + e.getMessage(), e);
        }
    }

    /** One frame with all its results, the model version behind each, and the other versions of the same frame. */
    public Optional<JsonObject> frame(UUID id) {
        try (Connection c = dataSource.getConnection()) {
            List<JsonObject> rows = new Sql("SELECT " + FRAME_COLUMNS + " FROM frames f WHERE f.id = ?", id).query(c, ResultsQueries::frameJson);
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            JsonObject frame = rows.get(0);
            JsonArray results = new JsonArray();
            new Sql("""
                    SELECT r.*, r.statistics::text AS stats, m.status AS m_status, m.parent_version AS m_parent,
                           m.metrics::text AS m_metrics, m.created_at AS m_created, m.promoted_at AS m_promoted,
                           m.artifact_sha256 AS m_sha
                    FROM results r LEFT JOIN model_versions m ON m.task = r.task AND m.version = r.model_version
                    WHERE r.frame_id = ? ORDER BY r.task, r.model_version""", id)
                    .query(c, rs -> {
                        JsonObject r = resultJson(rs);
                        if (rs.getString("m_status") != null) {
                            r.put("model", new JsonObject()
                                    .put("task", rs.getString("task"))
                                    .put("version", rs.getInt("model_version"))
                                    .put("status", rs.getString("m_status"))
                                    .put("parentVersion", (Integer) rs.getObject("m_parent"))
                                    .put("artifactSha256", rs.getString("m_sha"))
                                    .put("metrics", json(rs.getString("m_metrics")))
                                    .put("createdAt", instant(rs, "m_created"))
                                    .put("promotedAt", instant(rs, "m_promoted")));
                        }
                        results.add(r);
                        return r;
                    });
            frame.put("results", results);
            JsonArray versions = new JsonArray();
            new Sql("""
                    SELECT id, frame_version, status, sha256, submitted_at FROM frames
                    WHERE job_id = ? AND layer = ? AND frame_number = ? ORDER BY frame_version""",
                    frame.getString("jobId"), frame.getString("layer"), frame.getInteger("frameNumber"))
                    .query(c, rs -> {
                        JsonObject v = new JsonObject().put("id", rs.getString("id")).put("frameVersion", rs.getInt("frame_version"))
                                .put("status", rs.getString("status")).put("sha256", rs.getString("sha256"))
                                .put("submittedAt", instant(rs, "submitted_at"));
                        versions.add(v);
                        return v;
                    });
            frame.put("versions", versions);
            return Optional.of(frame);
        } catch (SQLException e) {
            throw new IllegalStateException("frame query failed: " + e.getMessage(), e);
        }
    }

    private static void attachResults(Connection c, List<JsonObject> frames) throws SQLException {
        if (frames.isEmpty()) return;
        Map<String, JsonArray> byFrame = new LinkedHashMap<>();
        UUID[] ids = new UUID[frames.size()];
        for (int i = 0; i < frames.size(); i++) {
            JsonArray a = new JsonArray();
            frames.get(i).put("results", a);
            byFrame.put(frames.get(i).getString("id"), a);
            ids[i] = UUID.fromString(frames.get(i).getString("id"));
        }
        try (PreparedStatement ps = c.prepareStatement(RESULTS_OF_FRAMES)) {
            ps.setArray(1, c.createArrayOf("uuid", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byFrame.get(rs.getString("frame_id")).add(resultJson(rs));
                }
            }
        }
    }

    private static JsonObject frameJson(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        return new JsonObject()
                .put("id", id)
                .put("jobId", rs.getString("job_id"))
                .put("show", rs.getString("show"))
                .put("shot", rs.getString("shot"))
                .put("layer", rs.getString("layer"))
                .put("frameNumber", rs.getInt("frame_number"))
                .put("frameVersion", rs.getInt("frame_version"))
                .put("status", rs.getString("status"))
                .put("statusReason", rs.getString("status_reason"))
                .put("source", new JsonObject()
                        .put("uri", rs.getString("source_uri"))
                        .put("sha256", rs.getString("sha256"))
                        .put("size", rs.getLong("size_bytes"))
                        .put("mediaType", rs.getString("media_type"))
                        .put("width", (Integer) rs.getObject("width"))
                        .put("height", (Integer) rs.getObject("height"))
                        .put("channels", (Integer) rs.getObject("channels"))
                        .put("href", "/api/v1/frames/" + id + "/source"))
                .put("sourcePath", rs.getString("source_path"))
                .put("preview", new JsonObject().put("mediaType", "image/png").put("href", "/api/v1/frames/" + id + "/preview.png"))
                .put("attributes", json(rs.getString("attributes")))
                .put("submittedAt", instant(rs, "submitted_at"))
                .put("updatedAt", instant(rs, "updated_at"));
    }

    private static JsonObject resultJson(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        JsonObject r = new JsonObject()
                .put("id", id)
                .put("frameId", rs.getString("frame_id"))
                .put("task", rs.getString("task"))
                .put("modelVersion", rs.getInt("model_version"))
                .put("width", rs.getInt("width"))
                .put("height", rs.getInt("height"))
                .put("statistics", json(rs.getString("stats")))
                .put("latencyMs", rs.getLong("latency_ms"))
                .put("createdAt", instant(rs, "created_at"))
                .put("image", new JsonObject()
                        .put("sha256", rs.getString("result_sha256"))
                        .put("size", rs.getLong("result_size"))
                        .put("mediaType", rs.getString("result_media_type"))
                        .put("href", "/api/v1/results/" + id + "/image"));
        if (rs.getString("preview_sha256") != null) {
            r.put("preview", new JsonObject()
                    .put("sha256", rs.getString("preview_sha256"))
                    .put("size", rs.getLong("preview_size"))
                    .put("mediaType", "image/png")
                    .put("href", "/api/v1/results/" + id + "/image?format=png"));
        }
        if (rs.getString("uncertainty_sha256") != null) {
            r.put("uncertainty", new JsonObject()
                    .put("sha256", rs.getString("uncertainty_sha256"))
                    .put("size", rs.getLong("uncertainty_size"))
                    .put("href", "/api/v1/results/" + id + "/uncertainty"));
        }
        return r;
    }

    // ---------------------------------------------------------------- blobs of frames and results

    /** Which blob of a result to serve. */
    public enum ResultBlob { IMAGE, PREVIEW, UNCERTAINTY }

    /** The blob reference a result row points at, if the result exists and has that blob. */
    public Optional<Optional<BlobRef>> resultBlob(UUID resultId, ResultBlob which) {
        String cols = switch (which) {
            case IMAGE -> "result_sha256, result_size, result_media_type";
            case PREVIEW -> "preview_sha256, preview_size, 'image/png'";
            case UNCERTAINTY -> "uncertainty_sha256, uncertainty_size, NULL";
        };
        List<Optional<BlobRef>> rows = new Sql("SELECT " + cols + " FROM results WHERE id = ?", resultId)
                .query(dataSource, rs -> rs.getString(1) == null ? Optional.<BlobRef>empty()
                        : Optional.of(new BlobRef(BlobStore.uriOf(rs.getString(1)), rs.getString(1), rs.getLong(2),
                                rs.getString(3), null, null, null)));
        return rows.stream().findFirst();
    }

    /** The source (beauty) blob of a frame. */
    public Optional<BlobRef> frameSource(UUID frameId) {
        return new Sql("SELECT source_uri, sha256, size_bytes, media_type, width, height, channels FROM frames WHERE id = ?", frameId)
                .query(dataSource, rs -> new BlobRef(URI.create(rs.getString(1)), rs.getString(2), rs.getLong(3), rs.getString(4),
                        (Integer) rs.getObject(5), (Integer) rs.getObject(6), (Integer) rs.getObject(7)))
                .stream().findFirst();
    }

    // ---------------------------------------------------------------- models and training

    /** Every task with its active version and how many versions it has. */
    public List<JsonObject> modelTasks() {
        return new Sql("""
                SELECT task, count(*) AS versions, max(version) FILTER (WHERE status = 'active') AS active,
                       max(version) AS latest
                FROM model_versions GROUP BY task ORDER BY task""")
                .query(dataSource, rs -> new JsonObject().put("task", rs.getString("task"))
                        .put("activeVersion", (Integer) rs.getObject("active"))
                        .put("latestVersion", rs.getInt("latest"))
                        .put("versions", rs.getLong("versions")));
    }

    /** A task's model versions, newest first, with metrics and parent. */
    public List<JsonObject> modelVersions(String task) {
        return new Sql("SELECT *, metrics::text AS m, data_snapshot::text AS d FROM model_versions WHERE task = ? ORDER BY version DESC", task)
                .query(dataSource, ResultsQueries::modelJson);
    }

    /** One model version with its lineage (itself, parent, grandparent, ...) and the training runs that made it. */
    public Optional<JsonObject> modelVersion(String task, int version) {
        try (Connection c = dataSource.getConnection()) {
            List<JsonObject> lineage = new Sql("""
                    WITH RECURSIVE chain AS (
                      SELECT m.*, 0 AS depth FROM model_versions m WHERE m.task = ? AND m.version = ?
                      UNION ALL
                      SELECT p.*, chain.depth + 1 FROM model_versions p
                        JOIN chain ON p.task = chain.task AND p.version = chain.parent_version
                      WHERE chain.depth < 100)
                    SELECT *, metrics::text AS m, data_snapshot::text AS d FROM chain ORDER BY depth""", task, version)
                    .query(c, ResultsQueries::modelJson);
            if (lineage.isEmpty()) {
                return Optional.empty();
            }
            JsonObject model = lineage.get(0).copy();
            JsonArray chain = new JsonArray();
            lineage.forEach(m -> chain.add(new JsonObject().put("version", m.getInteger("version"))
                    .put("status", m.getString("status")).put("metrics", m.getJsonObject("metrics"))
                    .put("createdAt", m.getString("createdAt"))));
            model.put("lineage", chain);
            model.put("trainingRuns", new JsonArray(new Sql(
                    "SELECT *, metrics::text AS m FROM training_runs WHERE task = ? AND candidate_version = ? ORDER BY started_at", task, version)
                    .query(c, rs -> runJson(rs, false))));
            return Optional.of(model);
        } catch (SQLException e) {
            throw new IllegalStateException("model query failed: " + e.getMessage(), e);
        }
    }

    /** The existing versions among those asked for, as task -> version. */
    public Map<String, Integer> existingModels(Map<String, Integer> wanted) {
        Map<String, Integer> found = new LinkedHashMap<>();
        for (var e : wanted.entrySet()) {
            boolean exists = !new Sql("SELECT 1 FROM model_versions WHERE task = ? AND version = ?", e.getKey(), e.getValue())
                    .query(dataSource, rs -> 1).isEmpty();
            if (exists) found.put(e.getKey(), e.getValue());
        }
        return found;
    }

    private static JsonObject modelJson(ResultSet rs) throws SQLException {
        return new JsonObject()
                .put("task", rs.getString("task"))
                .put("version", rs.getInt("version"))
                .put("status", rs.getString("status"))
                .put("parentVersion", (Integer) rs.getObject("parent_version"))
                .put("artifact", new JsonObject().put("uri", rs.getString("artifact_uri"))
                        .put("sha256", rs.getString("artifact_sha256")).put("size", rs.getLong("artifact_size")))
                .put("metrics", json(rs.getString("m")))
                .put("dataSnapshot", json(rs.getString("d")))
                .put("notes", rs.getString("notes"))
                .put("createdAt", instant(rs, "created_at"))
                .put("promotedAt", instant(rs, "promoted_at"));
    }

    public List<JsonObject> trainingRuns(String task, String status, int limit) {
        Sql sql = new Sql("SELECT *, metrics::text AS m FROM training_runs WHERE true");
        if (task != null) sql.append(" AND task = ?", task);
        if (status != null) sql.append(" AND status = ?", status);
        sql.append(" ORDER BY started_at DESC, id LIMIT ?", limit);
        return sql.query(dataSource, rs -> runJson(rs, false));
    }

    public Optional<JsonObject> trainingRun(UUID id) {
        return new Sql("SELECT *, metrics::text AS m FROM training_runs WHERE id = ?", id)
                .query(dataSource, rs -> runJson(rs, true)).stream().findFirst();
    }

    private static final int LOG_TAIL_CHARS = 16_384;

    private static JsonObject runJson(ResultSet rs, boolean withLog) throws SQLException {
        int total = rs.getInt("steps_total");
        int done = rs.getInt("steps_done");
        JsonObject r = new JsonObject()
                .put("id", rs.getString("id"))
                .put("task", rs.getString("task"))
                .put("status", rs.getString("status"))
                .put("baseVersion", (Integer) rs.getObject("base_version"))
                .put("candidateVersion", (Integer) rs.getObject("candidate_version"))
                .put("trigger", rs.getString("trigger"))
                .put("progress", new JsonObject().put("stepsDone", done).put("stepsTotal", total)
                        .put("fraction", total == 0 ? 0.0 : Math.min(1.0, (double) done / total)))
                .put("metrics", json(rs.getString("m")))
                .put("owner", rs.getString("owner"))
                .put("startedAt", instant(rs, "started_at"))
                .put("heartbeatAt", instant(rs, "heartbeat_at"))
                .put("finishedAt", instant(rs, "finished_at"));
        if (withLog) {
            String log = rs.getString("log");
            r.put("logTail", log.length() > LOG_TAIL_CHARS ? log.substring(log.length() - LOG_TAIL_CHARS) : log);
        }
        return r;
    }

    // ---------------------------------------------------------------- reprocessing

    /** A frame to resubmit: the newest version of each (layer, frame number) in the selection. */
    public record FrameToResubmit(UUID id, String jobId, String show, String shot, String layer, int frameNumber,
                                  int frameVersion, BlobRef source, String sourcePath, String attributes) {}

    /** Selects the newest non-superseded version of each frame of a job within the given layer / range. */
    public List<FrameToResubmit> framesToResubmit(Connection c, String jobId, String layer, Integer from, Integer to, int max) {
        Sql sql = new Sql("SELECT DISTINCT ON (f.layer, f.frame_number) " + FRAME_COLUMNS
                + " FROM frames f WHERE f.job_id = ? AND f.status <> 'superseded'", jobId);
        if (layer != null) sql.append(" AND f.layer = ?", layer);
        if (from != null) sql.append(" AND f.frame_number >= ?", from);
        if (to != null) sql.append(" AND f.frame_number <= ?", to);
        sql.append(" ORDER BY f.layer, f.frame_number, f.frame_version DESC LIMIT ?", max + 1);
        return sql.query(c, ResultsQueries::resubmitRow);
    }

    public Optional<FrameToResubmit> frameToResubmit(Connection c, UUID id) {
        return new Sql("SELECT " + FRAME_COLUMNS + " FROM frames f WHERE f.id = ?", id).query(c, ResultsQueries::resubmitRow)
                .stream().findFirst();
    }

    private static FrameToResubmit resubmitRow(ResultSet rs) throws SQLException {
        BlobRef source = new BlobRef(URI.create(rs.getString("source_uri")), rs.getString("sha256"), rs.getLong("size_bytes"),
                rs.getString("media_type"), (Integer) rs.getObject("width"), (Integer) rs.getObject("height"),
                (Integer) rs.getObject("channels"));
        return new FrameToResubmit(UUID.fromString(rs.getString("id")), rs.getString("job_id"), rs.getString("show"),
                rs.getString("shot"), rs.getString("layer"), rs.getInt("frame_number"), rs.getInt("frame_version"), source,
                rs.getString("source_path"), rs.getString("attributes"));
    }

    public boolean jobExists(String jobId) {
        return !new Sql("SELECT 1 FROM jobs WHERE id = ?", jobId).query(dataSource, rs -> 1).isEmpty();
    }

    /** The database answers (readiness check). */
    // ---------------------------------------------------------------- helpers

    private static JsonObject page(List<JsonObject> items, String next) {
        return new JsonObject().put("items", new JsonArray(new ArrayList<>(items))).put("next", next);
    }

    private static JsonObject json(String text) {
        return text == null ? new JsonObject() : new JsonObject(text);
    }

    private static String instant(ResultSet rs, String col) throws SQLException {
        OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
        return t == null ? null : t.toInstant().toString();
    }

    private static OffsetDateTime ts(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }

    static long toMicros(Instant i) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, i);
    }

    static Instant fromMicros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** A statement with its positional parameters, built up clause by clause. */
    static final class Sql {
        private final StringBuilder text = new StringBuilder();
        private final List<Object> params = new ArrayList<>();

        Sql(String text, Object... params) {
            append(text, params);
        }

        Sql append(String more, Object... ps) {
            text.append(more);
            params.addAll(List.of(ps));
            return this;
        }

        <T> List<T> query(DataSource ds, RowMapper<T> mapper) {
            try (Connection c = ds.getConnection()) {
                return query(c, mapper);
            } catch (SQLException e) {
                throw new IllegalStateException("query failed: " + e.getMessage(), e);
            }
        }

        <T> List<T> query(Connection c, RowMapper<T> mapper) {
            try (PreparedStatement ps = c.prepareStatement(text.toString())) {
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                List<T> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(mapper.map(rs));
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new IllegalStateException("query failed: " + e.getMessage(), e);
            }
        }

        /** The statement with its parameters as SQL literals (strings quoted, numbers as they are). */
        String inline() {
            StringBuilder out = new StringBuilder();
            int p = 0;
            String t = text.toString();
            for (int i = 0; i < t.length(); i++) {
                char ch = t.charAt(i);
                if (ch == '?') {
                    Object v = params.get(p++);
                    out.append(v instanceof Number ? v.toString() : "'" + String.valueOf(v).replace("'", "''") + "'");
                } else {
                    out.append(ch);
                }
            }
            return out.toString();
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
