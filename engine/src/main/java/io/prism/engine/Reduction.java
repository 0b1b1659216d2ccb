package io.prism.engine;

import java.util.Locale;

/** How ensemble members are combined: median with MAD uncertainty, or mean with standard deviation. */
public enum Reduction {
    MEDIAN, MEAN;

    public static Reduction parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown reduction '" + s + "' (median, mean)");
        }
    }
}
