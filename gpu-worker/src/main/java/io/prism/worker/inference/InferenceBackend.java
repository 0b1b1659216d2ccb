package io.prism.worker.inference;

import java.nio.file.Path;

/** Turns a checkpoint folder into a model that can predict: the worker's only view of the ML engine. */
public interface InferenceBackend {

    /**
     * Loads and verifies a checkpoint (every weight file's SHA-256) onto this backend's device.
     *
     * @throws Exception with a clear message when the checkpoint is missing, corrupted or for another task
     */
    LoadedModel load(String task, int version, Path checkpointDir) throws Exception;

    /** "cpu" or "gpu:N". */
    String device();
}
