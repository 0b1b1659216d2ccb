package io.prism.engine.model;

import java.io.IOException;

/** A checkpoint folder that cannot be used: missing files, checksum mismatch, malformed model.json or weights. */
public class CheckpointException extends IOException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
