package io.prism.results.db;

import io.prism.platform.db.FrameEntity;
import io.prism.platform.db.ResultEntity;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Readers of the two rows a frames page is made of. Written out because they are the hot path: a 100-frame page
 * reads 300 rows, and Micronaut Data's per-call {@code readEntity} mapping cost the page more than twice its time
 * ({@code FramesBenchmark}).
 */
final class Rows {
    private Rows() {}

    static FrameEntity frame(ResultSet rs) throws SQLException {
        return new FrameEntity(rs.getObject("id", UUID.class), rs.getString("job_id"), rs.getString("show"), rs.getString("shot"),
                rs.getString("layer"), rs.getInt("frame_number"), rs.getInt("frame_version"), rs.getString("source_uri"),
                rs.getString("source_path"), rs.getString("sha256"), rs.getLong("size_bytes"), rs.getString("media_type"),
                (Integer) rs.getObject("width"), (Integer) rs.getObject("height"), (Integer) rs.getObject("channels"),
                rs.getString("status"), rs.getString("status_reason"), rs.getString("attributes"),
                JobRepository.instant(rs, "submitted_at"), JobRepository.instant(rs, "updated_at"));
    }

    static ResultEntity result(ResultSet rs) throws SQLException {
        return new ResultEntity(rs.getObject("id", UUID.class), rs.getObject("frame_id", UUID.class), rs.getString("task"),
                rs.getInt("model_version"), rs.getString("result_sha256"), rs.getLong("result_size"),
                rs.getString("result_media_type"), rs.getString("preview_sha256"), (Long) rs.getObject("preview_size"),
                rs.getString("uncertainty_sha256"), (Long) rs.getObject("uncertainty_size"), rs.getInt("width"), rs.getInt("height"),
                rs.getString("statistics"), rs.getLong("latency_ms"), JobRepository.instant(rs, "created_at"));
    }
}
