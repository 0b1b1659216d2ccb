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

    /**
     * src[0,n) → raw[0,n): undo delta and de-interleave in one pass (src is left as it was). The running sum goes
     * through the first half (even output bytes), then on through the second half (odd ones).
     */
    static void decode(byte[] src, int n, byte[] raw) {
        if (n == 0) return;
        int half = (n + 1) / 2;
        int v = src[0];
        raw[0] = (byte) v;
        for (int i = 1; i < half; i++) {
            v += src[i] - 128;
            raw[2 * i] = (byte) v;
        }
        for (int i = 0, e = n - half; i < e; i++) {
            v += src[half + i] - 128;
            raw[2 * i + 1] = (byte) v;
        }
    }
}
