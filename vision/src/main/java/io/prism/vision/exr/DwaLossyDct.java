package io.prism.vision.exr;

/**
 * The lossy half of DWAA/DWAB: rebuilds one channel, or an R,G,B triple stored as Y'CbCr, from its DCT coefficients
 * (one DC value per 8×8 block, the 63 AC values run-length coded in zig-zag order).
 * <p>
 * Every float operation follows OpenEXR 3.1's decoder on x86-64 with AVX (the path libOpenEXR, and so oiiotool,
 * takes on any current Intel or AMD CPU): its inverse DCT's constants and order of additions, the blocks it skips as
 * DC-only or with trailing zero rows, its Y'CbCr → R'G'B' matrix, then rounding to half and the table back to
 * linear light. Java float arithmetic is IEEE single precision without fused multiply-add, so the halves come out
 * bit-identical to libOpenEXR's. (Its scalar and SSE2 paths, used without AVX, round slightly differently.)
 */
final class DwaLossyDct {
    private DwaLossyDct() {
    }

    // inverse DCT constants: 0.5·cos(kπ/16), as the AVX code writes them
    private static final float A = 3.535536e-01f;
    private static final float B = 4.903927e-01f;
    private static final float C = 4.619398e-01f;
    private static final float D = 4.157349e-01f;
    private static final float E = 2.777855e-01f;
    private static final float F = 1.913422e-01f;
    private static final float G = 9.754573e-02f;

    /** For each position of an 8×8 block in row order, its index in zig-zag order. */
    private static final int[] ZIGZAG = {
            0, 1, 5, 6, 14, 15, 27, 28,
            2, 4, 7, 13, 16, 26, 29, 42,
            3, 8, 12, 17, 25, 30, 41, 43,
            9, 11, 18, 24, 31, 40, 44, 53,
            10, 19, 23, 32, 39, 45, 52, 54,
            20, 22, 33, 38, 46, 51, 55, 60,
            21, 34, 37, 47, 50, 56, 59, 61,
            35, 36, 48, 49, 57, 58, 62, 63};

    /**
     * Zig-zag index of the first coefficient of rows 1..7: if the last non-zero coefficient comes before
     * {@code ROW_START[k - 1]}, rows k..7 are all zero and the decoder skips them.
     */
    private static final int[] ROW_START = {2, 3, 9, 10, 20, 21, 35};

    /**
     * Nonlinear half → linear half: {@code x^2.2} up to 1, {@code e^(2.2·(x − 1))} above (the encoder's perceptual
     * curve undone), sign kept, infinities and NaN → 0. Computed as OpenEXR's table generator does (single-precision
     * power below 1, double precision above); identical to the table in libOpenEXR 3.1 over all 65536 values.
     */
    static final class ToLinear {
        static final short[] TABLE = new short[1 << 16];

        static {
            double logBase = Math.pow(2.7182818, 2.2);
            for (int i = 1; i < TABLE.length; i++) {
                if ((i & 0x7c00) == 0x7c00) continue;
                float h = Half.toFloat(i);
                float sign = h < 0 ? -1f : 1f;
                float x = Math.abs(h);
                float v = x <= 1f ? sign * (float) Math.pow(x, 2.2f) : (float) (sign * Math.pow(logBase, (float) (x - 1.0)));
                TABLE[i] = Half.fromFloat(v);
            }
        }
    }

    /** Where decoded samples go: channel data starts per sampled row, and the channel's type. */
    record Target(int[] rowStart, PixelType type) {
    }

    /** Coefficient streams and how far each has been read. */
    static final class Streams {
        final short[] ac;
        final int acCount;
        int acPos;
        final short[] dc;
        final int dcCount;
        int dcPos;

        Streams(short[] ac, int acCount, short[] dc, int dcCount) {
            this.ac = ac;
            this.acCount = acCount;
            this.dc = dc;
            this.dcCount = dcCount;
        }
    }

    /**
     * Decodes one set of 1 or 3 channels of {@code width × height} samples into {@code out}: the DC values of all
     * blocks of the first channel, then of the second... come next in {@code s.dc}; the AC codes of each block in
     * turn, channels interleaved per block. {@code toLinear} false for a single perceptually linear channel.
     */
    static void decode(Streams s, Target[] targets, int width, int height, boolean toLinear, byte[] out) {
        int n = targets.length;
        int bx = (width + 7) / 8;
        int by = (height + 7) / 8;
        long blocks = (long) bx * by;
        if (blocks * n > s.dcCount - s.dcPos) {
            throw new CorruptDataException("DWA data holds fewer DC values than its " + (blocks * n) + " blocks");
        }
        int dcBase = s.dcPos;
        s.dcPos += (int) (blocks * n);
        short[] linear = toLinear ? ToLinear.TABLE : null;
        float[][] dct = new float[n][64];
        short[] zig = new short[64];
        short[][] rowBlocks = new short[n][bx * 64]; // one row of blocks, as halves
        for (int yb = 0; yb < by; yb++) {
            for (int xb = 0; xb < bx; xb++) {
                for (int c = 0; c < n; c++) {
                    java.util.Arrays.fill(zig, (short) 0);
                    zig[0] = s.dc[dcBase + (int) (c * blocks) + yb * bx + xb];
                    int last = unRleAc(s, zig);
                    float[] d = dct[c];
                    if (last == 0) {
                        java.util.Arrays.fill(d, Half.toFloat(zig[0]) * A * A);
                    } else {
                        for (int i = 0; i < 64; i++) d[i] = Half.toFloat(zig[ZIGZAG[i]]);
                        int rows = 8;
                        while (rows > 1 && last < ROW_START[rows - 2]) rows--;
                        inverseDct(d, rows);
                    }
                }
                if (n == 3) inverseCsc(dct[0], dct[1], dct[2]);
                for (int c = 0; c < n; c++) {
                    short[] dst = rowBlocks[c];
                    float[] d = dct[c];
                    for (int i = 0; i < 64; i++) dst[xb * 64 + i] = Half.fromFloat(d[i]);
                }
            }
            // unblock: rows of this block row into the output, through the curve back to linear light
            int rows = Math.min(8, height - yb * 8);
            for (int c = 0; c < n; c++) {
                Target t = targets[c];
                short[] src = rowBlocks[c];
                for (int r = 0; r < rows; r++) {
                    int o = t.rowStart()[yb * 8 + r];
                    for (int x = 0; x < width; x++) {
                        short h = src[(x >> 3) * 64 + r * 8 + (x & 7)];
                        if (linear != null) h = linear[h & 0xffff];
                        if (t.type() == PixelType.HALF) {
                            out[o++] = (byte) h;
                            out[o++] = (byte) (h >> 8);
                        } else {
                            int f = Float.floatToRawIntBits(Half.toFloat(h));
                            out[o++] = (byte) f;
                            out[o++] = (byte) (f >> 8);
                            out[o++] = (byte) (f >> 16);
                            out[o++] = (byte) (f >> 24);
                        }
                    }
                }
            }
        }
    }

    /**
     * Fills zig-zag positions 1..63 of {@code zig} from the AC stream: {@code 0xff00} ends the block, {@code 0xffNN}
     * skips NN zeros, anything else is the next coefficient. Returns the index of the last coefficient stored (0: DC
     * only).
     */
    private static int unRleAc(Streams s, short[] zig) {
        int last = 0;
        int i = 1;
        short[] ac = s.ac;
        while (i < 64) {
            if (s.acPos >= s.acCount) throw new CorruptDataException("DWA AC data ends inside a block");
            int v = ac[s.acPos++] & 0xffff;
            if (v == 0xff00) {
                break;
            } else if (v >> 8 == 0xff) {
                i += v & 0xff;
            } else {
                last = i;
                zig[i++] = (short) v;
            }
        }
        return last;
    }

    /**
     * In-place inverse 8×8 DCT, rows then columns; rows at and after {@code rows} are zero. Rows go through
     * {@code [M1|M2]} as two 4×4 matrix products summed pairwise; columns through the butterflies below, terms of
     * zero rows left out as the AVX code leaves them out (which only matters for the sign of zero results).
     */
    static void inverseDct(float[] d, int rows) {
        for (int r = 0; r < Math.min(8, (rows + 1) & ~1); r++) {
            int o = r * 8;
            float v0 = d[o], v1 = d[o + 1], v2 = d[o + 2], v3 = d[o + 3];
            float v4 = d[o + 4], v5 = d[o + 5], v6 = d[o + 6], v7 = d[o + 7];
            float e0 = (v0 * A + v2 * C) + (v4 * A + v6 * F);
            float e1 = (v0 * A + v2 * F) + (v4 * -A + v6 * -C);
            float e2 = (v0 * A + v2 * -F) + (v4 * -A + v6 * C);
            float e3 = (v0 * A + v2 * -C) + (v4 * A + v6 * -F);
            float o0 = (v1 * B + v3 * D) + (v5 * E + v7 * G);
            float o1 = (v1 * D + v3 * -G) + (v5 * -B + v7 * -E);
            float o2 = (v1 * E + v3 * -B) + (v5 * G + v7 * D);
            float o3 = (v1 * G + v3 * -E) + (v5 * D + v7 * -B);
            d[o] = e0 + o0;
            d[o + 1] = e1 + o1;
            d[o + 2] = e2 + o2;
            d[o + 3] = e3 + o3;
            d[o + 4] = e3 - o3;
            d[o + 5] = e2 - o2;
            d[o + 6] = e1 - o1;
            d[o + 7] = e0 - o0;
        }
        if (rows == 1) {
            for (int x = 0; x < 8; x++) d[x] *= A;
            for (int r = 1; r < 8; r++) System.arraycopy(d, 0, d, r * 8, 8);
            return;
        }
        for (int x = 0; x < 8; x++) {
            float r0 = d[x], r1 = d[8 + x], r2 = d[16 + x], r3 = d[24 + x];
            float r4 = d[32 + x], r5 = d[40 + x], r6 = d[48 + x], r7 = d[56 + x];
            // odd outputs
            float o0 = B * r1;
            if (rows > 3) o0 = o0 + D * r3;
            if (rows > 5) o0 = o0 + (rows > 7 ? E * r5 + G * r7 : E * r5);
            float o1 = D * r1;
            if (rows > 3) o1 = o1 - (rows > 5 ? G * r3 + B * r5 : G * r3);
            if (rows > 7) o1 = o1 - E * r7;
            float o2 = E * r1;
            if (rows > 3) o2 = o2 - B * r3;
            if (rows > 5) o2 = o2 + G * r5;
            if (rows > 7) o2 = o2 + D * r7;
            float o3 = G * r1;
            if (rows > 5) o3 = o3 + D * r5;
            if (rows > 3) o3 = o3 - (rows > 7 ? E * r3 + B * r7 : E * r3);
            // even outputs
            float p = A * r0;
            float m = p;
            if (rows > 4) {
                float q = A * r4;
                p = p + q;
                m = m - q;
            }
            float e0 = p, e1 = m, e2 = m, e3 = p;
            if (rows > 2) {
                float s = rows > 6 ? C * r2 + F * r6 : C * r2;
                float t = rows > 6 ? F * r2 - C * r6 : F * r2;
                e0 = p + s;
                e3 = p - s;
                e1 = m + t;
                e2 = m - t;
            }
            d[x] = e0 + o0;
            d[8 + x] = e1 + o1;
            d[16 + x] = e2 + o2;
            d[24 + x] = e3 + o3;
            d[32 + x] = e3 - o3;
            d[40 + x] = e2 - o2;
            d[48 + x] = e1 - o1;
            d[56 + x] = e0 - o0;
        }
    }

    /** Y'CbCr → R'G'B' with Rec. 709 weights, Cb and Cr centred on 0. */
    static void inverseCsc(float[] y, float[] cb, float[] cr) {
        for (int i = 0; i < 64; i++) {
            float l = y[i], b = cb[i], r = cr[i];
            y[i] = l + r * 1.5747f;
            cb[i] = (b * -0.1873f + l) + r * -0.4682f;
            cr[i] = b * 1.8556f + l;
        }
    }
}
