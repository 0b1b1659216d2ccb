package io.prism.platform.contracts;

import java.time.Instant;
import java.util.UUID;

/**
 * A frame could not be processed. Published on {@code prism.results.v1}; the original
 * {@link FrameSubmitted} goes to {@code prism.frames.dlq.v1} with the same reason.
 *
 * @param task      the task that failed, or null when the frame itself is unusable
 * @param reason    a short machine-readable reason (e.g. "unreadable", "too-large", "inference-error")
 * @param detail    the human-readable explanation
 * @param attempts  how many times it was tried
 * @param permanent true when retrying cannot help (poison input)
 */
public record FrameFailed(int schemaVersion, UUID messageId, Instant time,
                          UUID frameId, String jobId, String task, String reason, String detail, int attempts,
                          boolean permanent)
        implements PrismEvent {
    public static final int SCHEMA_VERSION = 1;

    public FrameFailed {
        Require.version(schemaVersion);
        Require.present(messageId, "messageId", "FrameFailed");
        Require.present(time, "time", "FrameFailed");
        Require.present(frameId, "frameId", "FrameFailed");
        Require.text(jobId, "jobId", "FrameFailed");
        Require.text(reason, "reason", "FrameFailed");
    }

    public static FrameFailed of(UUID frameId, String jobId, String task, String reason, String detail, int attempts,
                                 boolean permanent) {
        return new FrameFailed(SCHEMA_VERSION, UUID.randomUUID(), Instant.now(), frameId, jobId, task, reason, detail,
                attempts, permanent);
    }

    @Override
    public String key() {
        return jobId;
    }
}
