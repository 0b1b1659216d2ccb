package io.prism.trainer.run;

import java.util.List;

/**
 * Frames a fine-tune must not get worse on, beside the new data's holdout: e.g. the original synthetic style the
 * shipped models learned, rendered deterministically, so tuning on one show does not break the others.
 */
public interface GuardSet {
    /** The name under which its metrics are recorded, e.g. {@code guard.studio}. */
    String name();

    /** The frames for a task (the same every call). */
    List<LabeledFrame> frames(String task) throws Exception;
}
