package io.prism.engine;

import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;

import java.util.List;

/**
 * A loaded model that turns beauty frames, encoded as the model declares ({@link #inputEncoding()}), into one task's layer: Prism's compact checkpoints
 * ({@link DensePredictor}) and imported diffusers Marigold checkpoints ({@link io.prism.engine.marigold.MarigoldPredictor})
 * behind one interface, so the worker, trainer gate and CLI need not know which architecture they run.
 * Implementations serialise calls on their native model; {@link #close()} frees it.
 */
public interface Predictor extends AutoCloseable {

    /** "albedo", "mask", "depth" or "normals". */
    String task();

    /**
     * How this model takes its image (model.json / the import settings): callers make its input with
     * {@code inputEncoding().encode(beauty)} or {@code inputEncoding().read(file, layer)}, vision's one colour pipeline.
     */
    InputEncoding inputEncoding();

    /** The model's own defaults (steps, ensemble, processing resolution), seed 0. */
    PredictOptions defaultOptions();

    /** One prediction per image; images are R, G, B in the model's {@link #inputEncoding()}, [0, 1], any size. */
    List<Prediction> predict(List<FloatImage> srgbImages, PredictOptions options);

    default Prediction predict(FloatImage srgbImage, PredictOptions options) {
        return predict(List.of(srgbImage), options).get(0);
    }

    @Override
    void close();
}
