package io.prism.simulator;

import java.time.Duration;
import java.util.Locale;

/**
 * How fast the simulated farm emits frames: at most one frame per {@code period}; {@link #UNLIMITED}
 * (period zero) writes each frame as soon as it is rendered. If rendering is slower than the rate,
 * frames go out as they are done (a farm cannot deliver what it has not rendered).
 */
public record EmitRate(Duration period) {
    public static final EmitRate UNLIMITED = new EmitRate(Duration.ZERO);

    public EmitRate {
        if (period == null || period.isNegative()) throw new IllegalArgumentException("emit period must be >= 0: " + period);
    }

    public static EmitRate framesPerSecond(double fps) {
        if (!(fps > 0) || Double.isInfinite(fps)) throw new IllegalArgumentException("frames per second must be positive: " + fps);
        return new EmitRate(Duration.ofNanos(Math.round(1e9 / fps)));
    }

    public static EmitRate secondsPerFrame(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) throw new IllegalArgumentException("seconds per frame must be >= 0: " + seconds);
        return new EmitRate(Duration.ofNanos(Math.round(seconds * 1e9)));
    }

    /**
     * "max" / "unlimited" / "0"; frames per second as "2fps" or "2/s"; time per frame as "1.5s",
     * "1.5spf" or "250ms".
     */
    public static EmitRate parse(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("empty rate");
        String t = s.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        try {
            if (t.equals("max") || t.equals("unlimited") || t.equals("0")) return UNLIMITED;
            if (t.endsWith("fps")) return framesPerSecond(Double.parseDouble(t.substring(0, t.length() - 3)));
            if (t.endsWith("/s")) return framesPerSecond(Double.parseDouble(t.substring(0, t.length() - 2)));
            if (t.endsWith("ms")) return secondsPerFrame(Double.parseDouble(t.substring(0, t.length() - 2)) / 1000);
            if (t.endsWith("spf")) return secondsPerFrame(Double.parseDouble(t.substring(0, t.length() - 3)));
            if (t.endsWith("s")) return secondsPerFrame(Double.parseDouble(t.substring(0, t.length() - 1)));
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("bad rate '" + s + "'; use e.g. 2fps, 0.5/s, 3s, 250ms or max");
    }

    public boolean unlimited() { return period.isZero(); }

    /** Frames per second, +infinity when unlimited. */
    public double fps() { return unlimited() ? Double.POSITIVE_INFINITY : 1e9 / period.toNanos(); }

    @Override
    public String toString() { return unlimited() ? "max" : String.format(Locale.ROOT, "%.3gfps", fps()); }
}
