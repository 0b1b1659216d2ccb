package io.prism.vision.exr;

import java.util.Arrays;

/**
 * PIZ (32 lines per chunk), lossless. The chunk's 16-bit words (a FLOAT or UINT sample is two words, low word first)
 * are regrouped per channel; the set of word values that occur is recorded as a bitmap and the values are renumbered
 * densely through a lookup table; each channel then goes through a 2-D Haar-like wavelet (14-bit arithmetic when the
 * renumbered values allow, else modulo 2^16); finally all words are Huffman-coded ({@link Huffman}).
 * <p>
 * Chunk layout: min and max non-zero bitmap byte index (uint16 each), those bitmap bytes, the Huffman data length
 * (int32) and the Huffman data.
 */
final class PizCodec extends ChunkCodec {
    private static final int BITMAP_SIZE = 8192;

    private final Huffman huffman = new Huffman();
    private final Huffman.ByteSink sink = new Huffman.ByteSink();
    private final byte[] bitmap = new byte[BITMAP_SIZE];
    private final short[] lut = new short[65536];
    /** lut is zero from here on. */
    private int lutUsed;
    private short[] words = new short[0];

    private short[] words(int n) {
        if (words.length < n) words = new short[n];
        return words;
    }

    /** Start of each channel's region in the word buffer, plus the total at the end. */
    private static int[] regions(Block b) {
        ExrChannel[] ch = b.channels();
        int[] start = new int[ch.length + 1];
        for (int c = 0; c < ch.length; c++) {
            start[c + 1] = start[c] + b.nx(c) * b.ny(c) * (ch[c].type().bytes() / 2);
        }
        return start;
    }

    @Override
    int compress(byte[] raw, int len, Block b) {
        int n = len / 2;
        short[] w = words(n);
        int[] region = regions(b);
        int[] cursor = Arrays.copyOf(region, region.length - 1);
        ExrChannel[] ch = b.channels();
        int p = 0;
        for (int y = b.minY(); y <= b.maxY(); y++) {
            for (int c = 0; c < ch.length; c++) {
                if (!b.sampledRow(c, y)) continue;
                int count = b.nx(c) * (ch[c].type().bytes() / 2);
                int o = cursor[c];
                for (int k = 0; k < count; k++, p += 2) w[o + k] = (short) ((raw[p] & 0xff) | (raw[p + 1] & 0xff) << 8);
                cursor[c] += count;
            }
        }
        // which values occur (zero is always assumed present)
        Arrays.fill(bitmap, (byte) 0);
        for (int i = 0; i < n; i++) {
            int v = w[i] & 0xffff;
            bitmap[v >> 3] |= (byte) (1 << (v & 7));
        }
        bitmap[0] &= (byte) ~1;
        int minNonZero = BITMAP_SIZE - 1;
        int maxNonZero = 0;
        for (int i = 0; i < BITMAP_SIZE; i++) {
            if (bitmap[i] != 0) {
                minNonZero = Math.min(minNonZero, i);
                maxNonZero = Math.max(maxNonZero, i);
            }
        }
        // forward lookup: value -> dense index
        int k = 0;
        for (int v = 0; v < 65536; v++) {
            lut[v] = (v == 0 || (bitmap[v >> 3] & (1 << (v & 7))) != 0) ? (short) k++ : 0;
        }
        int maxValue = k - 1;
        lutUsed = lut.length;
        for (int i = 0; i < n; i++) w[i] = lut[w[i] & 0xffff];
        for (int c = 0; c < ch.length; c++) {
            int wc = ch[c].type().bytes() / 2;
            int nx = b.nx(c);
            for (int j = 0; j < wc; j++) Wavelet.encode(w, region[c] + j, nx, wc, b.ny(c), wc * nx, maxValue);
        }
        sink.reset();
        sink.putShort(minNonZero);
        sink.putShort(maxNonZero);
        if (minNonZero <= maxNonZero) sink.put(bitmap, minNonZero, maxNonZero - minNonZero + 1);
        int lengthAt = sink.size();
        sink.putShort(0);
        sink.putShort(0);
        int hufLen = huffman.compress(w, n, sink);
        sink.putIntAt(lengthAt, hufLen);
        if (sink.size() >= len) return Integer.MAX_VALUE;
        System.arraycopy(sink.buf, 0, ensureOut(sink.size()), 0, sink.size());
        return sink.size();
    }

    @Override
    void decompress(byte[] src, int off, int len, Block b, byte[] dst, int rawLen) {
        int end = off + len;
        if (len < 4) throw new CorruptDataException("PIZ chunk of " + len + " bytes");
        int minNonZero = (src[off] & 0xff) | (src[off + 1] & 0xff) << 8;
        int maxNonZero = (src[off + 2] & 0xff) | (src[off + 3] & 0xff) << 8;
        int p = off + 4;
        if (maxNonZero >= BITMAP_SIZE) throw new CorruptDataException("PIZ bitmap range ends at " + maxNonZero);
        Arrays.fill(bitmap, (byte) 0);
        if (minNonZero <= maxNonZero) {
            int count = maxNonZero - minNonZero + 1;
            if (p + count > end) throw new CorruptDataException("PIZ bitmap runs past the end of the chunk");
            System.arraycopy(src, p, bitmap, minNonZero, count);
            p += count;
        }
        // reverse lookup: dense index -> value; only the bitmap's non-zero range is visited, so a chunk's set-up
        // cost follows its size, not 2^16
        int k = 0;
        lut[k++] = 0;
        if (minNonZero <= maxNonZero) {
            for (int v = Math.max(1, minNonZero << 3); v < (maxNonZero + 1) << 3; v++) {
                if ((bitmap[v >> 3] & (1 << (v & 7))) != 0) lut[k++] = (short) v;
            }
        }
        int maxValue = k - 1;
        if (p + 4 > end) throw new CorruptDataException("PIZ chunk ends before its Huffman data length");
        int hufLen = ExrReader.getInt(src, p);
        p += 4;
        if (hufLen < 0 || hufLen > end - p) {
            throw new CorruptDataException("PIZ Huffman data of " + hufLen + " bytes, the chunk has " + (end - p) + " left");
        }
        int n = rawLen / 2;
        short[] w = words(n);
        huffman.decompress(src, p, hufLen, w, n);
        int[] region = regions(b);
        if (region[region.length - 1] != n) throw new CorruptDataException("PIZ block geometry mismatch");
        ExrChannel[] ch = b.channels();
        for (int c = 0; c < ch.length; c++) {
            int wc = ch[c].type().bytes() / 2;
            int nx = b.nx(c);
            for (int j = 0; j < wc; j++) Wavelet.decode(w, region[c] + j, nx, wc, b.ny(c), wc * nx, maxValue);
        }
        // dense index -> value and back to the chunk's line/channel order in one pass; indices beyond the table occur
        // only in corrupt data and become 0 (the table past maxValue is cleared)
        if (lutUsed > k) Arrays.fill(lut, k, lutUsed, (short) 0);
        lutUsed = k;
        int[] cursor = Arrays.copyOf(region, region.length - 1);
        int[] count = new int[ch.length];
        for (int c = 0; c < ch.length; c++) count[c] = b.nx(c) * (ch[c].type().bytes() / 2);
        int q = 0;
        for (int y = b.minY(); y <= b.maxY(); y++) {
            for (int c = 0; c < ch.length; c++) {
                if (!b.sampledRow(c, y)) continue;
                int o = cursor[c];
                int e = o + count[c];
                for (int i = o; i < e; i++, q += 2) {
                    short v = lut[w[i] & 0xffff];
                    dst[q] = (byte) v;
                    dst[q + 1] = (byte) (v >>> 8);
                }
                cursor[c] = e;
            }
        }
    }

    /** The 2-D wavelet of PIZ, applied in place to a strided 16-bit array. */
    static final class Wavelet {
        private Wavelet() {
        }

        /**
         * Forward transform of an nx × ny array at {@code base}; {@code ox}, {@code oy} are the strides between
         * horizontal and vertical neighbours. {@code mx} is the largest value; below 2^14 the exact (non-modulo)
         * variant is used.
         */
        static void encode(short[] a, int base, int nx, int ox, int ny, int oy, int mx) {
            boolean w14 = mx < (1 << 14);
            int n = Math.min(nx, ny);
            int p = 1;
            int p2 = 2;
            while (p2 <= n) {
                int py = base;
                int ey = base + oy * (ny - p2);
                int oy1 = oy * p, oy2 = oy * p2, ox1 = ox * p, ox2 = ox * p2;
                for (; py <= ey; py += oy2) {
                    int px = py;
                    int ex = py + ox * (nx - p2);
                    for (; px <= ex; px += ox2) {
                        int p01 = px + ox1, p10 = px + oy1, p11 = p10 + ox1;
                        int i00, i01, i10, i11;
                        if (w14) {
                            long r = enc14(a[px], a[p01]);
                            i00 = lo(r); i01 = hi(r);
                            r = enc14(a[p10], a[p11]);
                            i10 = lo(r); i11 = hi(r);
                            r = enc14(i00, i10);
                            a[px] = (short) lo(r); a[p10] = (short) hi(r);
                            r = enc14(i01, i11);
                            a[p01] = (short) lo(r); a[p11] = (short) hi(r);
                        } else {
                            long r = enc16(a[px], a[p01]);
                            i00 = lo(r); i01 = hi(r);
                            r = enc16(a[p10], a[p11]);
                            i10 = lo(r); i11 = hi(r);
                            r = enc16(i00, i10);
                            a[px] = (short) lo(r); a[p10] = (short) hi(r);
                            r = enc16(i01, i11);
                            a[p01] = (short) lo(r); a[p11] = (short) hi(r);
                        }
                    }
                    if ((nx & p) != 0) {
                        int p10 = px + oy1;
                        long r = w14 ? enc14(a[px], a[p10]) : enc16(a[px], a[p10]);
                        a[px] = (short) lo(r);
                        a[p10] = (short) hi(r);
                    }
                }
                if ((ny & p) != 0) {
                    int px = py;
                    int ex = py + ox * (nx - p2);
                    for (; px <= ex; px += ox2) {
                        int p01 = px + ox1;
                        long r = w14 ? enc14(a[px], a[p01]) : enc16(a[px], a[p01]);
                        a[px] = (short) lo(r);
                        a[p01] = (short) hi(r);
                    }
                }
                p = p2;
                p2 <<= 1;
            }
        }

        /** Inverse of {@link #encode}. */
        static void decode(short[] a, int base, int nx, int ox, int ny, int oy, int mx) {
            boolean w14 = mx < (1 << 14);
            int n = Math.min(nx, ny);
            int p = 1;
            while (p <= n) p <<= 1;
            p >>= 1;
            int p2 = p;
            p >>= 1;
            while (p >= 1) {
                int py = base;
                int ey = base + oy * (ny - p2);
                int oy1 = oy * p, oy2 = oy * p2, ox1 = ox * p, ox2 = ox * p2;
                for (; py <= ey; py += oy2) {
                    int px = py;
                    int ex = py + ox * (nx - p2);
                    for (; px <= ex; px += ox2) {
                        int p01 = px + ox1, p10 = px + oy1, p11 = p10 + ox1;
                        long r;
                        int i00, i10, i01, i11;
                        if (w14) {
                            // dec14 four times, written out: the hot loop of PIZ decoding
                            int h = a[p10];
                            int m = a[px] + (h & 1) + (h >> 1);
                            i00 = (short) m;
                            i10 = (short) (m - h);
                            h = a[p11];
                            m = a[p01] + (h & 1) + (h >> 1);
                            i01 = (short) m;
                            i11 = (short) (m - h);
                            m = i00 + (i01 & 1) + (i01 >> 1);
                            a[px] = (short) m;
                            a[p01] = (short) (m - i01);
                            m = i10 + (i11 & 1) + (i11 >> 1);
                            a[p10] = (short) m;
                            a[p11] = (short) (m - i11);
                        } else {
                            r = dec16(a[px], a[p10]);
                            i00 = lo(r); i10 = hi(r);
                            r = dec16(a[p01], a[p11]);
                            i01 = lo(r); i11 = hi(r);
                            r = dec16(i00, i01);
                            a[px] = (short) lo(r); a[p01] = (short) hi(r);
                            r = dec16(i10, i11);
                            a[p10] = (short) lo(r); a[p11] = (short) hi(r);
                        }
                    }
                    if ((nx & p) != 0) {
                        int p10 = px + oy1;
                        long r = w14 ? dec14(a[px], a[p10]) : dec16(a[px], a[p10]);
                        a[px] = (short) lo(r);
                        a[p10] = (short) hi(r);
                    }
                }
                if ((ny & p) != 0) {
                    int px = py;
                    int ex = py + ox * (nx - p2);
                    for (; px <= ex; px += ox2) {
                        int p01 = px + ox1;
                        long r = w14 ? dec14(a[px], a[p01]) : dec16(a[px], a[p01]);
                        a[px] = (short) lo(r);
                        a[p01] = (short) hi(r);
                    }
                }
                p2 = p;
                p >>= 1;
            }
        }

        private static int lo(long r) { return (int) (r & 0xffff); }

        private static int hi(long r) { return (int) ((r >>> 16) & 0xffff); }

        private static long pack(int l, int h) { return (l & 0xffff) | ((long) (h & 0xffff) << 16); }

        /** Average and difference of two signed 16-bit values (the low word keeps the average). */
        static long enc14(int a, int b) {
            int as = (short) a;
            int bs = (short) b;
            int ms = (as + bs) >> 1;
            int ds = as - bs;
            return pack(ms, ds);
        }

        static long dec14(int l, int h) {
            int ls = (short) l;
            int hs = (short) h;
            int ai = ls + (hs & 1) + (hs >> 1);
            int as = (short) ai;
            int bs = (short) (ai - hs);
            return pack(as, bs);
        }

        private static final int A_OFFSET = 1 << 15;
        private static final int M_OFFSET = 1 << 15;
        private static final int MOD_MASK = 0xffff;

        /** The modulo-2^16 variant for values that need all 16 bits. */
        static long enc16(int a, int b) {
            a &= 0xffff;
            b &= 0xffff;
            int ao = (a + A_OFFSET) & MOD_MASK;
            int m = (ao + b) >> 1;
            int d = ao - b;
            if (d < 0) m = (m + M_OFFSET) & MOD_MASK;
            d &= MOD_MASK;
            return pack(m, d);
        }

        static long dec16(int l, int h) {
            int m = l & 0xffff;
            int d = h & 0xffff;
            int bb = (m - (d >> 1)) & MOD_MASK;
            int aa = (d + bb - A_OFFSET) & MOD_MASK;
            return pack(aa, bb);
        }
    }
}
