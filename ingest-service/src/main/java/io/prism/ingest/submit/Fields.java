package io.prism.ingest.submit;

import io.prism.ingest.Refusal;
import io.prism.platform.contracts.Identifiers;
import java.util.Map;
import java.util.TreeMap;

/** Checks of submitted names and attributes; the refusal names the field and what is wrong with it. */
public final class Fields {
    private Fields() {}

    /** A show, shot, job or layer id: refused (400) unless it is in {@link Identifiers}' safe alphabet. */
    public static String name(String field, String value) {
        String problem = Identifiers.problem(field, value);
        if (problem != null) {
            throw new Refusal(400, "bad_id", problem);
        }
        return value;
    }

    public static Map<String, String> attributes(Map<String, String> attrs) {
        if (attrs == null) return Map.of();
        if (attrs.size() > 64) throw Refusal.badRequest("at most 64 attributes, got " + attrs.size());
        Map<String, String> m = new TreeMap<>();
        attrs.forEach((k, v) -> {
            if (k == null || k.isBlank() || k.length() > 100) throw Refusal.badRequest("attribute names must have 1..100 characters");
            if (v != null && v.length() > 1000) throw Refusal.badRequest("attribute '" + k + "' is longer than 1000 characters");
            if (v != null) m.put(k, v);
        });
        return Map.copyOf(m);
    }

    public static int frameNumber(String value) {
        if (value == null || value.isBlank()) throw Refusal.badRequest("frame is required");
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw Refusal.badRequest("frame must be an integer, got '" + value + "'");
        }
    }
}
