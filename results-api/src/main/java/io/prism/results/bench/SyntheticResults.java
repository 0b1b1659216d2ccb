package io.prism.results.bench;

import io.prism.platform.contracts.Task;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * Bulk-loads a results database of a chosen size with {@code generate_series} — a million result rows in seconds —
 * for the API tests and the frame-query benchmark. The rows are well-formed and consistent (jobs, frames, results,
 * model versions with lineage, training runs); blob digests are taken from the caller so tests can point them at
 * real images in the blob store, round-robin over the frames.
 *
 * <p>Layout: jobs {@code <prefix>-001..}, show {@code <prefix>show}, shots {@code sh010, sh020, ...}; each job has
 * {@code framesPerJob} frames (layer {@code beauty}, numbers 1001..), every frame an albedo result by model v2 and a
 * mask result by mask v1. Frames whose number is divisible by 97 failed (no results); in odd-numbered jobs the last
 * 10 frames are still {@code submitted} (no results).
 */
public final class SyntheticResults {

    /** Blob digests (and sizes) to reference; each list is used round-robin over frame numbers. */
    public record Blobs(List<String> beautySha, List<Long> beautySize, String beautyMediaType,
                        List<String> albedoSha, List<Long> albedoSize,
                        List<String> albedoPreviewSha, List<Long> albedoPreviewSize,
                        List<String> maskSha, List<Long> maskSize,
                        List<String> maskPreviewSha, List<Long> maskPreviewSize,
                        List<String> uncertaintySha, List<Long> uncertaintySize, int width, int height) {

        /** Digests of nothing in particular (the benchmark never downloads images). */
        public static Blobs placeholder() {
            List<String> a = List.of("a".repeat(64));
            List<Long> s = List.of(1000L);
            return new Blobs(a, s, "image/x-exr", a, s, a, s, a, s, a, s, a, s, 1920, 1080);
        }
    }

    private SyntheticResults() {}

    /** Inserts the rows; returns the number of result rows written. */
    public static long load(DataSource ds, String prefix, int jobs, int framesPerJob, Blobs b) throws SQLException {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("""
                        INSERT INTO model_versions (task, version, artifact_uri, artifact_sha256, artifact_size, parent_version, status, metrics, notes, created_at, promoted_at)
                        VALUES ('albedo', 1, 'blob:sha256:%1$s', '%1$s', 1000, NULL, 'retired', '{"holdout_psnr": 24.1, "holdout_mae": 0.061}', 'shipped default', now() - interval '2 days', now() - interval '2 days'),
                               ('albedo', 2, 'blob:sha256:%2$s', '%2$s', 1000, 1, 'active', '{"holdout_psnr": 27.9, "holdout_mae": 0.043}', 'fine-tuned on show pairs', now() - interval '1 day', now() - interval '1 day'),
                               ('albedo', 3, 'blob:sha256:%3$s', '%3$s', 1000, 2, 'rejected', '{"holdout_psnr": 26.5, "holdout_mae": 0.047}', 'worse on holdout', now() - interval '1 hour', NULL),
                               ('mask', 1, 'blob:sha256:%4$s', '%4$s', 1000, NULL, 'active', '{"holdout_iou": 0.91}', 'shipped default', now() - interval '2 days', now() - interval '2 days')
                        ON CONFLICT (task, version) DO NOTHING""".formatted("1".repeat(64), "2".repeat(64), "3".repeat(64), "4".repeat(64)));
                s.execute("""
                        INSERT INTO training_runs (id, task, status, base_version, candidate_version, trigger, steps_total, steps_done, metrics, log, started_at, heartbeat_at, finished_at)
                        VALUES (gen_random_uuid(), 'albedo', 'promoted', 1, 2, 'pairs>=64', 400, 400, '{"train_loss": 0.021, "holdout_psnr": 27.9}', 'step 400/400 loss=0.021\npromoted v2', now() - interval '26 hours', now() - interval '25 hours', now() - interval '25 hours'),
                               (gen_random_uuid(), 'albedo', 'rejected', 2, 3, 'pairs>=128', 400, 400, '{"train_loss": 0.019, "holdout_psnr": 26.5}', 'step 400/400\nrejected: holdout psnr 26.5 < 27.9', now() - interval '2 hours', now() - interval '1 hour', now() - interval '1 hour'),
                               (gen_random_uuid(), 'albedo', 'running', 2, 4, 'pairs>=192', 400, 120, '{"train_loss": 0.025}', 'step 120/400', now() - interval '10 minutes', now(), NULL)""");
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO jobs (id, show, shot, attributes, created_at, updated_at)
                    SELECT ? || '-' || lpad(g::text, 3, '0'), ? || 'show', 'sh' || lpad((g * 10)::text, 3, '0'),
                           jsonb_build_object('renderer', 'synthetic'), now() - make_interval(mins => ? - g), now()
                    FROM generate_series(1, ?) g""")) {
                ps.setString(1, prefix);
                ps.setString(2, prefix);
                ps.setInt(3, jobs);
                ps.setInt(4, jobs);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO frames (id, job_id, show, shot, layer, frame_number, frame_version, source_uri, source_path, sha256,
                                        size_bytes, media_type, width, height, channels, status, status_reason, submitted_at, updated_at)
                    SELECT gen_random_uuid(), j.id, j.show, j.shot, 'beauty', n, 1,
                           'blob:sha256:' || (?::text[])[1 + n % cardinality(?::text[])],
                           '/farm/' || j.show || '/' || j.shot || '/beauty/' || j.shot || '.' || lpad(n::text, 4, '0') || '.exr',
                           (?::text[])[1 + n % cardinality(?::text[])], (?::bigint[])[1 + n % cardinality(?::bigint[])],
                           ?, ?, ?, 4,
                           CASE WHEN n % 97 = 0 THEN 'failed'
                                WHEN right(j.id, 1)::int % 2 = 1 AND n > 1000 + ? - 10 THEN 'submitted'
                                ELSE 'processed' END,
                           CASE WHEN n % 97 = 0 THEN 'inference failed: NaN in output (synthetic)' END,
                           j.created_at + make_interval(secs => n - 1000), now()
                    FROM jobs j, generate_series(1001, 1000 + ?) n
                    WHERE j.id LIKE ? || '-%'""")) {
                Array beauty = c.createArrayOf("text", b.beautySha().toArray());
                ps.setArray(1, beauty);
                ps.setArray(2, beauty);
                ps.setArray(3, beauty);
                ps.setArray(4, beauty);
                ps.setArray(5, c.createArrayOf("bigint", b.beautySize().toArray()));
                ps.setArray(6, c.createArrayOf("bigint", b.beautySize().toArray()));
                ps.setString(7, b.beautyMediaType());
                ps.setInt(8, b.width());
                ps.setInt(9, b.height());
                ps.setInt(10, framesPerJob);
                ps.setInt(11, framesPerJob);
                ps.setString(12, prefix);
                ps.executeUpdate();
            }
            long rows = 0;
            rows += results(c, prefix, Task.ALBEDO, 2, b.albedoSha(), b.albedoSize(), b.albedoPreviewSha(), b.albedoPreviewSize(),
                    b.uncertaintySha(), b.uncertaintySize(), b.width(), b.height());
            rows += results(c, prefix, Task.MASK, 1, b.maskSha(), b.maskSize(), b.maskPreviewSha(), b.maskPreviewSize(),
                    b.uncertaintySha(), b.uncertaintySize(), b.width(), b.height());
            c.commit();
            c.setAutoCommit(auto);
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE jobs; ANALYZE frames; ANALYZE results");
            }
            return rows;
        }
    }

    private static long results(Connection c, String prefix, String task, int version, List<String> sha, List<Long> size,
                                List<String> previewSha, List<Long> previewSize, List<String> uncSha, List<Long> uncSize,
                                int width, int height) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO results (id, frame_id, task, model_version, result_sha256, result_size, result_media_type,
                                     preview_sha256, preview_size, uncertainty_sha256, uncertainty_size, width, height,
                                     statistics, latency_ms, created_at)
                SELECT gen_random_uuid(), f.id, ?, ?,
                       (?::text[])[1 + f.frame_number % cardinality(?::text[])], (?::bigint[])[1 + f.frame_number % cardinality(?::bigint[])], 'image/x-exr',
                       (?::text[])[1 + f.frame_number % cardinality(?::text[])], (?::bigint[])[1 + f.frame_number % cardinality(?::bigint[])],
                       (?::text[])[1 + f.frame_number % cardinality(?::text[])], (?::bigint[])[1 + f.frame_number % cardinality(?::bigint[])],
                       ?, ?,
                       jsonb_build_object('mean', round((0.3 + (f.frame_number % 17) / 100.0)::numeric, 3), 'steps', 4, 'ensemble', 5),
                       40 + (f.frame_number * 7919) % 160,
                       f.submitted_at + interval '3 seconds'
                FROM frames f WHERE f.job_id LIKE ? || '-%' AND f.status = 'processed'""")) {
            int i = 1;
            ps.setString(i++, task);
            ps.setInt(i++, version);
            for (var pair : List.of(List.of(sha, size), List.of(previewSha, previewSize), List.of(uncSha, uncSize))) {
                Array shas = c.createArrayOf("text", ((List<?>) pair.get(0)).toArray());
                Array sizes = c.createArrayOf("bigint", ((List<?>) pair.get(1)).toArray());
                ps.setArray(i++, shas);
                ps.setArray(i++, shas);
                ps.setArray(i++, sizes);
                ps.setArray(i++, sizes);
            }
            ps.setInt(i++, width);
            ps.setInt(i++, height);
            ps.setString(i, prefix);
            return ps.executeUpdate();
        }
    }
}
