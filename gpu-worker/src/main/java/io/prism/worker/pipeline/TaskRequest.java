package io.prism.worker.pipeline;

/**
 * One task of one frame, waiting for inference.
 *
 * @param requestedVersion the model version the frame asked for (reprocessing), or null for the active one
 * @param attempt          1 for the first try
 */
public record TaskRequest(FrameWork work, String task, Integer requestedVersion, long enqueuedNanos, int attempt) {

    /** Requests that can share a forward pass: same task, same requested model. */
    public String batchKey() {
        return requestedVersion == null ? task : task + "@v" + requestedVersion;
    }

    public TaskRequest retry() {
        return new TaskRequest(work, task, requestedVersion, System.nanoTime(), attempt + 1);
    }
}
