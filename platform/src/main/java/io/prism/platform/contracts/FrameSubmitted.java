package io.prism.platform.contracts;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A beauty frame is durable in the blob store and PostgreSQL and waits for inference.
 * Published on {@code prism.frames.v1}, keyed by the frame ({@link #partitionKey}: job, layer, frame number) so that
 * one job's frames spread over every partition, and so over every worker, while the versions of one frame stay in
 * order in one partition.
 *
 * @param frameId     Prism's id of this frame version
 * @param jobId       the render job (farm job id or a name chosen by the submitter)
 * @param frameVersion 1 for the first render of (job, layer, frame), +1 for each re-render with new bytes
 * @param source      the beauty image (EXR, PNG, TIFF...)
 * @param sourcePath  where the farm wrote it, when known (for humans; workers read {@code source})
 * @param attributes  free-form metadata from the farm (renderer, camera, ...)
 * @param requestedModels task → model version to use instead of the active one (reprocessing); empty normally
 */
public record FrameSubmitted(int schemaVersion, UUID messageId, Instant time,
                             UUID frameId, String jobId, String show, String shot, String layer, int frameNumber,
                             int frameVersion, BlobRef source, String sourcePath, Map<String, String> attributes,
                             Map<String, Integer> requestedModels)
        implements PrismEvent {
    public static final int SCHEMA_VERSION = 1;

    public FrameSubmitted {
        Require.version(schemaVersion);
        Require.present(messageId, "messageId", "FrameSubmitted");
        Require.present(time, "time", "FrameSubmitted");
        Require.present(frameId, "frameId", "FrameSubmitted");
        Require.text(jobId, "jobId", "FrameSubmitted");
        Require.text(show, "show", "FrameSubmitted");
        Require.text(shot, "shot", "FrameSubmitted");
        Require.text(layer, "layer", "FrameSubmitted");
        Require.present(source, "source", "FrameSubmitted");
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        requestedModels = requestedModels == null ? Map.of() : Map.copyOf(requestedModels);
    }

    public static FrameSubmitted of(UUID frameId, String jobId, String show, String shot, String layer, int frameNumber,
                                    int frameVersion, BlobRef source, String sourcePath, Map<String, String> attributes) {
        return new FrameSubmitted(SCHEMA_VERSION, UUID.randomUUID(), Instant.now(), frameId, jobId, show, shot, layer,
                frameNumber, frameVersion, source, sourcePath, attributes, Map.of());
    }

    /** The same frame again, to be processed by the given model versions (admin reprocessing). */
    public FrameSubmitted reprocessWith(Map<String, Integer> models) {
        return new FrameSubmitted(SCHEMA_VERSION, UUID.randomUUID(), Instant.now(), frameId, jobId, show, shot, layer,
                frameNumber, frameVersion, source, sourcePath, attributes, models);
    }

    /** {@code job/layer/frame}: the same for every version of a frame (ids never contain {@code /}). */
    public static String partitionKey(String jobId, String layer, int frameNumber) {
        return jobId + "/" + layer + "/" + frameNumber;
    }

    @Override
    public String key() {
        return partitionKey(jobId, layer, frameNumber);
    }
}
