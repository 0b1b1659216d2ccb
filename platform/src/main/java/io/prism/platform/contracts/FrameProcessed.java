package io.prism.platform.contracts;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One task's result for one frame is durable (blobs + PostgreSQL row). Published on {@code prism.results.v1}.
 *
 * @param task         "albedo" or "mask"
 * @param modelVersion the exact registry version that made the result
 * @param result       the result image (EXR)
 * @param preview      an sRGB PNG preview of the result
 * @param uncertainty  the ensemble's uncertainty map (EXR), null when not computed
 * @param statistics   per-result numbers (mean, uncertainty mean, coverage...)
 * @param latencyMs    submit-to-durable time for this frame and task
 */
public record FrameProcessed(int schemaVersion, UUID messageId, Instant time,
                             UUID frameId, String jobId, String task, int modelVersion, BlobRef result, BlobRef preview,
                             BlobRef uncertainty, Map<String, Double> statistics, long latencyMs)
        implements PrismEvent {
    public static final int SCHEMA_VERSION = 1;

    public FrameProcessed {
        Require.version(schemaVersion);
        Require.present(messageId, "messageId", "FrameProcessed");
        Require.present(time, "time", "FrameProcessed");
        Require.present(frameId, "frameId", "FrameProcessed");
        Require.text(jobId, "jobId", "FrameProcessed");
        Require.text(task, "task", "FrameProcessed");
        Require.present(result, "result", "FrameProcessed");
        statistics = statistics == null ? Map.of() : Map.copyOf(statistics);
    }

    public static FrameProcessed of(UUID frameId, String jobId, String task, int modelVersion, BlobRef result,
                                    BlobRef preview, BlobRef uncertainty, Map<String, Double> statistics, long latencyMs) {
        return new FrameProcessed(SCHEMA_VERSION, UUID.randomUUID(), Instant.now(), frameId, jobId, task, modelVersion,
                result, preview, uncertainty, statistics, latencyMs);
    }

    @Override
    public String key() {
        return jobId;
    }
}
