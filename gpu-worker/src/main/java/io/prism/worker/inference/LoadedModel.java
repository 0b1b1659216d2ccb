package io.prism.worker.inference;

import io.prism.vision.image.FloatImage;
import io.prism.worker.TaskOptions;
import java.util.List;

/** One model version in memory on one device. Used by a single inference thread at a time. */
public interface LoadedModel extends AutoCloseable {
    String task();

    int version();

    /** Predicts each frame of the batch (sRGB-encoded RGB inputs, any size); outputs in input order. */
    List<TaskOutput> predict(List<FloatImage> srgbBatch, TaskOptions options);

    @Override
    void close();
}
