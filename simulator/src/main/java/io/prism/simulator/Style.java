package io.prism.simulator;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A look for generated scenes. The same seed gives the same layout (shapes, positions, camera path)
 * in every style; the style draws the materials, textures, lights and sky from its own
 * distributions, so rendering one seed in two styles is a controlled domain shift.
 */
public enum Style {
    /** Neutral grey-blue sky, a big soft white key light and a fill; muted mixed palette; all texture kinds. */
    STUDIO("studio", "soft white key + fill light, pale sky, muted palette, mixed textures"),
    /** Low orange sun raking across the ground, purple-orange sky, warm saturated palette, mostly noise/solid. */
    SUNSET("sunset", "low warm sun with long soft shadows, orange-purple sky, saturated warm palette"),
    /** Night: near-black sky, several strongly coloured point lights, cool neon palette, mostly stripes, glossy. */
    NEON("neon", "dark sky, coloured point lights, cool neon palette, stripes, glossy surfaces");

    private final String id;
    private final String description;

    Style(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() { return id; }
    public String description() { return description; }

    /** Case-insensitive lookup by id; a clear error listing the choices otherwise. */
    public static Style parse(String s) {
        if (s != null) {
            String k = s.trim().toLowerCase(Locale.ROOT);
            for (Style st : values()) {
                if (st.id.equals(k)) return st;
            }
        }
        throw new IllegalArgumentException("unknown style '" + s + "'; choose one of " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Style::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() { return id; }
}
