package io.prism.worker.inference;

import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;
import io.prism.worker.TaskOptions;
import java.util.List;

/** One model version in memory on one device. Used by a single inference thread at a time. */
public interface LoadedModel extends AutoCloseable {
    String task();

    int version();

    /** How the model takes its image, as it declares it (model.json / {@code prism_settings.json}). */
    InputEncoding inputEncoding();

    /** Predicts each frame of the batch (R, G, B in {@link #inputEncoding()}, any size); outputs in input order. */
    List<TaskOutput> predict(List<FloatImage> batch, TaskOptions options);

    @Override
    void close();
}
