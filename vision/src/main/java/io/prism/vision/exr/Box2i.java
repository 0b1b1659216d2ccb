package io.prism.vision.exr;

/** An inclusive integer rectangle, as OpenEXR stores data and display windows. Width is {@code maxX - minX + 1}. */
public record Box2i(int minX, int minY, int maxX, int maxY) {
    public static Box2i ofSize(int x, int y, int width, int height) {
        return new Box2i(x, y, x + width - 1, y + height - 1);
    }

    /** Width as a long: a malformed box may not fit an int. */
    public long widthLong() { return (long) maxX - minX + 1; }

    public long heightLong() { return (long) maxY - minY + 1; }

    public int width() { return Math.toIntExact(widthLong()); }

    public int height() { return Math.toIntExact(heightLong()); }

    public boolean isEmpty() { return maxX < minX || maxY < minY; }

    @Override
    public String toString() {
        return "(" + minX + "," + minY + ")-(" + maxX + "," + maxY + ")";
    }
}
