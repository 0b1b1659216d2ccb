package io.prism.ingest.submit;

import java.util.Map;

/**
 * What the farm says about a frame: its job, show, shot, layer (render pass) and frame number, free-form attributes
 * and how it arrived ({@code upload}, {@code path}, {@code watch}). Checked on construction: a bad field is refused
 * with the field named.
 */
public record FrameRequest(String jobId, String show, String shot, String layer, int frameNumber,
                           Map<String, String> attributes, String via) {
    public FrameRequest {
        Fields.name("job", jobId);
        Fields.name("show", show);
        Fields.name("shot", shot);
        Fields.name("layer", layer);
        if (frameNumber < 0 || frameNumber > 9_999_999) {
            throw io.prism.ingest.Refusal.badRequest("frame must be between 0 and 9999999, got " + frameNumber);
        }
        attributes = Fields.attributes(attributes);
    }
}
