package io.prism.platform.contracts;

import java.util.Objects;

/** Checks shared by the event records' constructors: a writer can never emit an event without its required fields. */
final class Require {
    private Require() {}

    static <T> T present(T value, String field, String event) {
        return Objects.requireNonNull(value, () -> event + "." + field + " is required");
    }

    static String text(String value, String field, String event) {
        present(value, field, event);
        if (value.isBlank()) {
            throw new IllegalArgumentException(event + "." + field + " must not be blank");
        }
        return value;
    }

    static int version(int schemaVersion) {
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be >= 1: " + schemaVersion);
        }
        return schemaVersion;
    }
}
