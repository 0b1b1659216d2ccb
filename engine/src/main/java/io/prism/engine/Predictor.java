package io.prism.engine;

import io.prism.vision.image.FloatImage;

import java.util.List;

/**
 * A loaded model that turns sRGB beauty frames into one task's layer: Prism's compact checkpoints
 * ({@link DensePredictor}) and imported diffusers Marigold checkpoints ({@link io.prism.engine.marigold.MarigoldPredictor})
 * behind one interface, so the worker, trainer gate and CLI need not know which architecture they run.
 * Implementations serialise calls on their native model; {@link #close()} frees it.
 */
public interface Predictor extends AutoCloseable {

    /** "albedo", "mask", "depth" or "normals". */
    String task();

    /** The model's own defaults (steps, ensemble, processing resolution), seed 0. */
    PredictOptions defaultOptions();

    /** One prediction per image; images are sRGB-encoded R, G, B in [0, 1], any size. */
    List<Prediction> predict(List<FloatImage> srgbImages, PredictOptions options);

    default Prediction predict(FloatImage srgbImage, PredictOptions options) {
        return predict(List.of(srgbImage), options).get(0);
    }

    @Override
    void close();
}
