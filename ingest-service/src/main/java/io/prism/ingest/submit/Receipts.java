package io.prism.ingest.submit;

import io.prism.platform.contracts.BlobRef;
import java.util.UUID;

/** What a submission answers. */
public final class Receipts {
    private Receipts() {}

    /**
     * A frame durable in PostgreSQL with its FrameSubmitted in the outbox (or found there already: {@code duplicate}).
     *
     * @param superseded how many earlier versions this one marked superseded
     */
    public record FrameReceipt(UUID frameId, String jobId, int frameNumber, int frameVersion, boolean duplicate,
                               BlobRef source, int superseded) {}

    /** A ground-truth pair recorded with its GroundTruthPairSubmitted in the outbox; frame is null if not submitted. */
    public record PairReceipt(UUID pairId, boolean duplicate, FrameReceipt frame, BlobRef beauty, BlobRef albedo,
                              BlobRef mask) {}
}
