package io.prism.trainer.run;

/**
 * Thrown out of a training callback to stop a run without finishing it: the service is stopping or halted, or
 * another instance took the task's lease. The run stays {@code running} in the table so it is resumed from its
 * last checkpoint.
 */
public final class RunInterrupted extends RuntimeException {
    public RunInterrupted(String message) {
        super(message);
    }
}
