package io.prism.vision.exr;

/**
 * The byte preprocessing shared by ZIP, ZIPS and RLE: bytes are split into two halves (even-indexed bytes first, then
 * odd-indexed) so the low and high bytes of 16-bit values group together, then delta-coded
 * ({@code d[i] = b[i] - b[i-1] + 128}) so smooth images become runs of 128.
 */
final class Predictor {
    private Predictor() {
    }

    /** raw[0,n) → dst[0,n): interleave then delta. */
    static void encode(byte[] raw, int n, byte[] dst) {
        int half = (n + 1) / 2;
        int a = 0;
        int b = half;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            dst[a++] = raw[i];
            dst[b++] = raw[i + 1];
        }
        if (i < n) dst[a] = raw[i];
        int prev = dst[0];
        for (int k = 1; k < n; k++) {
            int cur = dst[k];
            dst[k] = (byte) (cur - prev + 128);
            prev = cur;
        }
    }

    /** src[0,n) → raw[0,n): undo delta (in place in src) then de-interleave. */
    static void decode(byte[] src, int n, byte[] raw) {
        for (int k = 1; k < n; k++) {
            src[k] = (byte) (src[k - 1] + src[k] - 128);
        }
        int half = (n + 1) / 2;
        int a = 0;
        int b = half;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            raw[i] = src[a++];
            raw[i + 1] = src[b++];
        }
        if (i < n) raw[i] = src[a];
    }
}
