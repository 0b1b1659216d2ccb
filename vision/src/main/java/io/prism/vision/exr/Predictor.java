package io.prism.vision.exr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

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

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;
    private static final long HIGH1 = 0x8080808080808080L;
    private static final long ONES = 0x0101010101010101L;

    /**
     * src[0,n) → raw[0,n): undo delta (in place in src) then de-interleave. Both steps work on 8 bytes at a time in a
     * long (bytewise adds without carries between bytes), which is what makes ZIP decoding fast in Java.
     */
    static void decode(byte[] src, int n, byte[] raw) {
        // undo delta: src[k] = src[k-1] + src[k] - 128, a running byte sum of (src[k] ^ 0x80)
        int prev = 0;
        int k = 0;
        for (; k + 8 <= n; k += 8) {
            long x = (long) LONG.get(src, k) ^ HIGH1;
            if (k == 0) x = (x & ~0xffL) | (src[0] & 0xffL); // the first byte is not delta-coded
            x = addBytes(x, x << 8);
            x = addBytes(x, x << 16);
            x = addBytes(x, x << 32);
            if (k != 0) x = addBytes(x, prev * ONES);
            LONG.set(src, k, x);
            prev = (int) (x >>> 56);
        }
        for (; k < n; k++) {
            if (k == 0) {
                prev = src[0] & 0xff;
                continue;
            }
            prev = (prev + src[k] - 128) & 0xff;
            src[k] = (byte) prev;
        }
        // de-interleave: raw[2i] = src[i], raw[2i+1] = src[half+i]
        int half = (n + 1) / 2;
        int i = 0;
        for (; i + 8 <= n / 2; i += 8) {
            long a = (long) LONG.get(src, i);
            long b = (long) LONG.get(src, half + i);
            LONG.set(raw, 2 * i, spread((int) a) | spread((int) b) << 8);
            LONG.set(raw, 2 * i + 8, spread((int) (a >>> 32)) | spread((int) (b >>> 32)) << 8);
        }
        for (; 2 * i + 1 < n; i++) {
            raw[2 * i] = src[i];
            raw[2 * i + 1] = src[half + i];
        }
        if (2 * i < n) raw[2 * i] = src[i];
    }

    /** Bytewise a + b mod 256, no carries between bytes. */
    private static long addBytes(long a, long b) {
        return ((a & LOW7) + (b & LOW7)) ^ ((a ^ b) & HIGH1);
    }

    /** The 4 bytes of v into the even bytes of a long. */
    private static long spread(int v) {
        long x = v & 0xffffffffL;
        x = (x | x << 16) & 0x0000ffff0000ffffL;
        return (x | x << 8) & 0x00ff00ff00ff00ffL;
    }
}
