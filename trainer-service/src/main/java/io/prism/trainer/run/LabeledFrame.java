package io.prism.trainer.run;

import io.prism.vision.image.FloatImage;

/**
 * A beauty frame and its target as the engine takes them: scene-linear beauty (R, G, B); albedo (R, G, B) or
 * mask (Y). {@code id} names it in logs.
 */
public record LabeledFrame(String id, FloatImage beauty, FloatImage target) {
    public LabeledFrame {
        if (beauty.width() != target.width() || beauty.height() != target.height()) {
            throw new IllegalArgumentException("frame " + id + ": beauty and target differ in size");
        }
    }
}
