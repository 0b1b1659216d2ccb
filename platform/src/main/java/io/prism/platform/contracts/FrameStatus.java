package io.prism.platform.contracts;

import java.util.Arrays;
import java.util.List;

/**
 * Where a frame stands, as {@code frames.status} stores it. A frame is {@code submitted} until the worker has written
 * every task's result ({@code processed}) or dead-lettered it ({@code failed}); a newer version of the same frame
 * makes it {@code superseded}. The written value is {@link #value()}.
 */
public enum FrameStatus {
    SUBMITTED, PROCESSED, FAILED, SUPERSEDED;

    /** The value in the {@code frames.status} column and in the API. */
    public String value() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Every stored value, in lifecycle order. */
    public static List<String> allValues() {
        return Arrays.stream(values()).map(FrameStatus::value).toList();
    }
}
