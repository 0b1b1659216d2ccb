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

    /**
     * Prepares the calling thread for loading and inference. PyTorch keeps autograd on or off per thread and new
     * threads start with it on: inference threads must switch it off (no graph is recorded, no memory is kept for
     * gradients, and loading weights into parameters in place is allowed).
     */
    default void prepareThread() {}

    /** "cpu" or "gpu:N". */
    String device();
}
