package io.prism.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Typed reads of environment variables with defaults. Config records take an {@code Env} so tests can pass a map
 * instead of the process environment. A malformed value fails at start-up naming the variable.
 */
public final class Env {
    private final Map<String, String> vars;

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    /** The process environment, with JVM system properties of the same name taking precedence (handy in tests). */
    public static Env system() {
        Map<String, String> merged = new java.util.HashMap<>(System.getenv());
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (key.startsWith("PRISM_") || key.startsWith("KAFKA_")) {
                merged.put(key, v.toString());
            }
        });
        return new Env(merged);
    }

    public Env with(String name, String value) {
        Map<String, String> m = new java.util.HashMap<>(vars);
        m.put(name, value);
        return new Env(m);
    }

    public String str(String name, String def) {
        String v = vars.get(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    public String required(String name) {
        String v = str(name, null);
        if (v == null) {
            throw new IllegalStateException("environment variable " + name + " is required");
        }
        return v;
    }

    public int integer(String name, int def) {
        return parse(name, def, Integer::parseInt);
    }

    public long longValue(String name, long def) {
        return parse(name, def, Long::parseLong);
    }

    public double decimal(String name, double def) {
        return parse(name, def, Double::parseDouble);
    }

    public boolean bool(String name, boolean def) {
        return parse(name, def, s -> switch (s.toLowerCase()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not a boolean");
        });
    }

    /** ISO-8601 ("PT5S") or a number with a unit suffix: 500ms, 5s, 2m, 1h. */
    public Duration duration(String name, Duration def) {
        return parse(name, def, Env::parseDuration);
    }

    public Path path(String name, Path def) {
        return parse(name, def, Path::of);
    }

    public List<String> list(String name, List<String> def) {
        return parse(name, def, s -> Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList());
    }

    private <T> T parse(String name, T def, Function<String, T> f) {
        String v = str(name, null);
        if (v == null) {
            return def;
        }
        try {
            return f.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalStateException("environment variable " + name + "='" + v + "' is invalid: " + e.getMessage(), e);
        }
    }

    static Duration parseDuration(String s) {
        if (s.startsWith("P") || s.startsWith("p")) {
            return Duration.parse(s);
        }
        String t = s.trim().toLowerCase();
        if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        if (t.endsWith("s")) return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        if (t.endsWith("m")) return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
        if (t.endsWith("h")) return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 3600);
        return Duration.ofMillis(Long.parseLong(t));
    }
}
