package io.prism.ingest.submit;

/**
 * A ground-truth pair submission: the frame it belongs to, an optional style label, where the farm wrote the beauty,
 * and whether the beauty should also be submitted for inference (default yes: predictions on ground-truth frames
 * are what the trainer's holdout compares).
 */
public record PairRequest(FrameRequest frame, String style, String sourcePath, boolean submitFrame) {
    public PairRequest {
        if (frame == null) throw io.prism.ingest.Refusal.badRequest("frame fields are required");
        if (style != null && style.isBlank()) style = null;
        if (style != null) Fields.name("style", style);
    }
}
