package io.prism.platform.auth;

import java.util.Locale;

/** What an API token may do. {@link #ADMIN} implies the others. */
public enum Scope {
    SUBMIT, READ, ADMIN;

    public static Scope parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown scope '" + s + "' (known: submit, read, admin)");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
