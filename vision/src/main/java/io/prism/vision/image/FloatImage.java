package io.prism.vision.image;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A planar float image with named channels, the currency between the EXR codec, the colour
 * pipeline, the synthetic farm and the engine. Channel names follow OpenEXR conventions
 * ("R", "G", "B", "A", "albedo.R", ...). Pixel (x, y) of channel c is {@code planes[c][y * width + x]}.
 */
public final class FloatImage {
    private final int width;
    private final int height;
    private final List<String> channels;
    private final float[][] planes;

    public FloatImage(int width, int height, List<String> channels, float[][] planes) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(planes, "planes");
        if (channels.size() != planes.length) {
            throw new IllegalArgumentException(channels.size() + " channel names for " + planes.length + " planes");
        }
        long n = (long) width * height;
        for (int c = 0; c < planes.length; c++) {
            if (planes[c].length != n) {
                throw new IllegalArgumentException("plane " + channels.get(c) + " has " + planes[c].length + " values, expected " + n);
            }
        }
        if (channels.stream().distinct().count() != channels.size()) {
            throw new IllegalArgumentException("duplicate channel names: " + channels);
        }
        this.width = width;
        this.height = height;
        this.channels = List.copyOf(channels);
        this.planes = planes;
    }

    /** A zero-filled image. */
    public static FloatImage blank(int width, int height, List<String> channels) {
        long n = (long) width * height;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image too large: " + width + "x" + height);
        }
        float[][] planes = new float[channels.size()][(int) n];
        return new FloatImage(width, height, channels, planes);
    }

    public int width() { return width; }
    public int height() { return height; }
    public int channelCount() { return planes.length; }
    public List<String> channels() { return channels; }
    public float[][] planes() { return planes; }

    public boolean has(String channel) { return channels.contains(channel); }

    public int indexOf(String channel) {
        int i = channels.indexOf(channel);
        if (i < 0) {
            throw new IllegalArgumentException("no channel '" + channel + "' in " + channels);
        }
        return i;
    }

    public float[] plane(String channel) { return planes[indexOf(channel)]; }

    public float get(int channel, int x, int y) { return planes[channel][y * width + x]; }

    public void set(int channel, int x, int y, float v) { planes[channel][y * width + x] = v; }

    /** A new image holding the named channels (shared planes, in the given order). */
    public FloatImage select(List<String> names) {
        float[][] p = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            p[i] = plane(names.get(i));
        }
        return new FloatImage(width, height, names, p);
    }

    /** The same planes under new names (e.g. "albedo.R" read back as "R"). */
    public FloatImage rename(List<String> names) {
        return new FloatImage(width, height, names, planes);
    }

    /** A deep copy. */
    public FloatImage copy() {
        float[][] p = new float[planes.length][];
        for (int c = 0; c < planes.length; c++) {
            p[c] = planes[c].clone();
        }
        return new FloatImage(width, height, channels, p);
    }

    @Override
    public String toString() {
        return "FloatImage[" + width + "x" + height + " " + channels + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FloatImage f)) return false;
        return width == f.width && height == f.height && channels.equals(f.channels) && Arrays.deepEquals(planes, f.planes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, channels);
    }
}
