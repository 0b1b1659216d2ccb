package io.prism.engine.diffusers;

/**
 * A diffusers / transformers checkpoint folder that cannot be used as it is: a missing component or file, a truncated
 * or mis-shaped tensor, an unknown block type, a setting Prism does not implement. The message names the file and the
 * offending entry, so that an import refusal is one clear line.
 */
public class InvalidCheckpointException extends RuntimeException {
    public InvalidCheckpointException(String message) {
        super(message);
    }

    public InvalidCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
