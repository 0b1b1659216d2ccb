package io.prism.engine.train;

import io.prism.vision.image.FloatImage;

/**
 * One ground-truth pair as the renderer wrote it, in Prism's working space (linear Rec.709): scene-linear beauty
 * (R, G, B) and the target layer (albedo: linear R, G, B; mask: Y in {0, 1}). The trainers encode the beauty with the
 * model's {@link io.prism.vision.color.InputEncoding} and the albedo with {@link io.prism.engine.AlbedoEncoding}.
 *
 * @param id a name for logs and visualisations (file name, frame id)
 */
public record TrainingPair(String id, FloatImage beauty, FloatImage target) {
    public TrainingPair {
        if (beauty == null || target == null) throw new IllegalArgumentException("pair " + id + " lacks beauty or target");
        if (beauty.width() != target.width() || beauty.height() != target.height()) {
            throw new IllegalArgumentException("pair " + id + ": beauty " + beauty.width() + "x" + beauty.height()
                    + " and target " + target.width() + "x" + target.height() + " differ in size");
        }
    }
}
