package io.prism.vision.exr;

/**
 * The pixel rectangle one chunk covers (a band of scan lines, or a tile) and the part's channels. Uncompressed chunk
 * data is ordered by scan line, then channel (channel-list order), then x; a subsampled channel contributes only on
 * lines where {@code y % ySampling == 0}, with {@link #nx} samples.
 */
record Block(int minX, int minY, int maxX, int maxY, ExrChannel[] channels) {
    int width() { return maxX - minX + 1; }

    int height() { return maxY - minY + 1; }

    /** Samples of a channel with sampling {@code s} in the inclusive coordinate range [a, b] (floor division). */
    static int numSamples(int s, int a, int b) {
        int a1 = Math.floorDiv(a, s);
        int b1 = Math.floorDiv(b, s);
        return b1 - a1 + (a1 * s < a ? 0 : 1);
    }

    int nx(int c) { return numSamples(channels[c].xSampling(), minX, maxX); }

    int ny(int c) { return numSamples(channels[c].ySampling(), minY, maxY); }

    boolean sampledRow(int c, int y) { return Math.floorMod(y, channels[c].ySampling()) == 0; }

    /** Bytes of uncompressed data; a long because headers may be hostile. */
    long rawSize() {
        long n = 0;
        for (int c = 0; c < channels.length; c++) {
            n += (long) nx(c) * ny(c) * channels[c].type().bytes();
        }
        return n;
    }
}
