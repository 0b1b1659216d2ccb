package io.prism.engine.image;

import java.util.Locale;

/** Resampling filters for resizing to and from the processing resolution. */
public enum Resample {
    NEAREST, BILINEAR, BICUBIC;

    public static Resample parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown resample method '" + s + "' (nearest, bilinear, bicubic)");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
