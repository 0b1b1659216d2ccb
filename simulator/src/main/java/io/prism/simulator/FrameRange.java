package io.prism.simulator;

import java.util.stream.IntStream;

/** Frames first..last inclusive, as a farm numbers them (e.g. 1-24 or 1001-1100). */
public record FrameRange(int first, int last) {
    public static final int MAX_FRAME = 999_999;

    public FrameRange {
        if (first < 0 || last > MAX_FRAME || last < first) {
            throw new IllegalArgumentException("frame range must satisfy 0 <= first <= last <= " + MAX_FRAME + ", got " + first + "-" + last);
        }
    }

    /** "1-24", "1001-1024" or a single frame "7". */
    public static FrameRange parse(String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException("empty frame range; expected e.g. 1-24");
        String t = s.trim();
        int dash = t.indexOf('-', 1);
        try {
            if (dash < 0) {
                int f = Integer.parseInt(t);
                return new FrameRange(f, f);
            }
            return new FrameRange(Integer.parseInt(t.substring(0, dash).trim()), Integer.parseInt(t.substring(dash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad frame range '" + s + "'; expected FIRST-LAST, e.g. 1-24");
        }
    }

    public int count() { return last - first + 1; }

    public IntStream stream() { return IntStream.rangeClosed(first, last); }

    @Override
    public String toString() { return first + "-" + last; }
}
