package io.prism.platform.contracts;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A beauty frame together with a real target layer the renderer wrote (albedo AOV and/or transparency mask).
 * Published on {@code prism.pairs.v1}, keyed by show so a show's pairs stay ordered.
 *
 * @param pairId  deterministic id of the pair (the trainer's train/holdout split hashes it)
 * @param frameId the submitted frame this pair belongs to, when it was also submitted for inference
 * @param style   optional look/style label (per-show statistics, guard sets)
 * @param albedo  the albedo target, or null
 * @param mask    the transparency-mask target, or null (at least one of albedo and mask is present)
 */
public record GroundTruthPairSubmitted(int schemaVersion, UUID messageId, Instant time,
                                       UUID pairId, UUID frameId, String jobId, String show, String shot,
                                       int frameNumber, String style, BlobRef beauty, BlobRef albedo, BlobRef mask,
                                       Map<String, String> attributes)
        implements PrismEvent {
    public static final int SCHEMA_VERSION = 1;

    public GroundTruthPairSubmitted {
        Require.version(schemaVersion);
        Require.present(messageId, "messageId", "GroundTruthPairSubmitted");
        Require.present(time, "time", "GroundTruthPairSubmitted");
        Require.present(pairId, "pairId", "GroundTruthPairSubmitted");
        Require.text(jobId, "jobId", "GroundTruthPairSubmitted");
        Require.text(show, "show", "GroundTruthPairSubmitted");
        Require.text(shot, "shot", "GroundTruthPairSubmitted");
        Require.present(beauty, "beauty", "GroundTruthPairSubmitted");
        if (albedo == null && mask == null) {
            throw new IllegalArgumentException("GroundTruthPairSubmitted needs an albedo or a mask target");
        }
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public static GroundTruthPairSubmitted of(UUID pairId, UUID frameId, String jobId, String show, String shot,
                                              int frameNumber, String style, BlobRef beauty, BlobRef albedo,
                                              BlobRef mask, Map<String, String> attributes) {
        return new GroundTruthPairSubmitted(SCHEMA_VERSION, UUID.randomUUID(), Instant.now(), pairId, frameId, jobId,
                show, shot, frameNumber, style, beauty, albedo, mask, attributes);
    }

    @Override
    public String key() {
        return show;
    }
}
