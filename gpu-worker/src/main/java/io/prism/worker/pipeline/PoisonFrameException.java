package io.prism.worker.pipeline;

/** A frame that can never be processed (unreadable, wrong size, ...): it goes to the dead-letter topic at once. */
public final class PoisonFrameException extends Exception {
    private final String reason;

    public PoisonFrameException(String reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    public PoisonFrameException(String reason, String detail) {
        this(reason, detail, null);
    }

    /** Short machine-readable reason: unreadable, wrong-size, too-large, corrupt-blob, ... */
    public String reason() {
        return reason;
    }
}
