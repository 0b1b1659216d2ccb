package io.prism.platform.contracts;

import java.util.regex.Pattern;

/**
 * The one alphabet of show, shot, job and layer ids: letters, digits, {@code .}, {@code _} and {@code -}, 1 to
 * {@value #MAX_LENGTH} characters, starting with a letter or digit. Ids end up in URLs, blob paths, Kafka keys
 * ({@code job/layer/frame}) and log lines, so nothing that could climb a path ({@code ../}, {@code /}), break a URL
 * or a log line (spaces, quotes, control characters) gets in. Every entry point checks with {@link #problem}.
 */
public final class Identifiers {
    public static final int MAX_LENGTH = 128;
    /** For documentation and messages. */
    public static final String RULE = "1-" + MAX_LENGTH + " letters, digits, '.', '_' or '-', starting with a letter or digit";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_LENGTH - 1) + "}");

    private Identifiers() {}

    public static boolean isSafe(String value) {
        return value != null && SAFE.matcher(value).matches();
    }

    /** Null when {@code value} is a safe id, otherwise a one-line reason naming the field (the value shown escaped). */
    public static String problem(String field, String value) {
        if (value == null || value.isEmpty()) return field + " is required";
        if (isSafe(value)) return null;
        return field + " '" + printable(value) + "' is not a valid id: use " + RULE;
    }

    /** The value, or {@link IllegalArgumentException} with {@link #problem}'s reason. */
    public static String require(String field, String value) {
        String p = problem(field, value);
        if (p != null) throw new IllegalArgumentException(p);
        return value;
    }

    /** At most 40 characters of the value with quotes, backslashes and non-printable characters escaped. */
    static String printable(String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length() && i < 40; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\'' || c == '"' || c == '\\' || !Character.isDefined(c) || Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (value.length() > 40) b.append("…");
        return b.toString();
    }
}
