package io.prism.vision.exr;

/**
 * B44 and B44A (32 lines per chunk), lossy, decoding only. HALF channels are cut into 4×4 blocks (edges padded by
 * repetition when encoding); each block is stored in 14 bytes — the first value and fifteen 6-bit running
 * differences scaled by a common shift, on values remapped so that integer order follows float order — or, in B44A,
 * in 3 bytes when all 16 values are equal. Other channel types are stored uncompressed. Data is grouped per channel
 * (all of one channel's lines), so it is regrouped per line afterwards. Channels marked perceptually linear
 * ({@code pLinear}) were mapped through {@code exp(x / 8)} before packing; decoding maps each value back through
 * libOpenEXR's table {@code 8 · log(x)} (non-finite and negative values → 0; 0 → −∞), computed here the same way.
 */
final class B44Codec extends ChunkCodec {
    /** Half bits → half bits of {@code 8 · log(x)}, as libOpenEXR's {@code logTable} (single-precision log). */
    private static final class LogTable {
        static final short[] TABLE = new short[1 << 16];

        static {
            for (int i = 0; i < TABLE.length; i++) {
                float h = Half.toFloat(i);
                TABLE[i] = !Float.isFinite(h) || h < 0 ? 0 : Half.fromFloat(8 * (float) Math.log(h));
            }
        }
    }

    private short[] scratch = new short[0];
    private byte[] rawScratch = new byte[0];

    @Override
    int compress(byte[] raw, int len, Block block) {
        throw new UnsupportedOperationException("Prism does not write B44");
    }

    @Override
    void decompress(byte[] src, int off, int len, Block b, byte[] dst, int rawLen) {
        ExrChannel[] ch = b.channels();
        int end = off + len;
        int in = off;
        // per channel: its samples in a plane of ny rows x nx (HALF as 16-bit values, others as raw bytes)
        int[] start = new int[ch.length + 1];
        for (int c = 0; c < ch.length; c++) start[c + 1] = start[c] + b.nx(c) * b.ny(c) * ch[c].type().bytes();
        if (start[ch.length] != rawLen) throw new CorruptDataException("B44 block geometry mismatch");
        if (rawScratch.length < rawLen) rawScratch = new byte[rawLen];
        byte[] planes = rawScratch;
        short[] s = new short[16];
        for (int c = 0; c < ch.length; c++) {
            int nx = b.nx(c);
            int ny = b.ny(c);
            int nBytes = nx * ny * ch[c].type().bytes();
            if (nBytes == 0) continue;
            if (ch[c].type() != PixelType.HALF) {
                if (in + nBytes > end) throw new CorruptDataException("B44 chunk ends inside channel " + ch[c].name());
                System.arraycopy(src, in, planes, start[c], nBytes);
                in += nBytes;
                continue;
            }
            boolean pLinear = ch[c].pLinear();
            int base = start[c];
            for (int y = 0; y < ny; y += 4) {
                for (int x = 0; x < nx; x += 4) {
                    if (in + 3 > end) throw new CorruptDataException("B44 chunk ends inside channel " + ch[c].name());
                    if ((src[in + 2] & 0xff) >= (13 << 2)) {
                        unpack3(src, in, s);
                        in += 3;
                    } else {
                        if (in + 14 > end) throw new CorruptDataException("B44 chunk ends inside channel " + ch[c].name());
                        unpack14(src, in, s);
                        in += 14;
                    }
                    if (pLinear) for (int i = 0; i < 16; i++) s[i] = LogTable.TABLE[s[i] & 0xffff];
                    for (int dy = 0; dy < 4 && y + dy < ny; dy++) {
                        for (int dx = 0; dx < 4 && x + dx < nx; dx++) {
                            int o = base + 2 * ((y + dy) * nx + x + dx);
                            short v = s[dy * 4 + dx];
                            planes[o] = (byte) v;
                            planes[o + 1] = (byte) (v >>> 8);
                        }
                    }
                }
            }
        }
        // regroup: per line, per channel
        int[] cursor = java.util.Arrays.copyOf(start, ch.length);
        int q = 0;
        for (int y = b.minY(); y <= b.maxY(); y++) {
            for (int c = 0; c < ch.length; c++) {
                if (!b.sampledRow(c, y)) continue;
                int n = b.nx(c) * ch[c].type().bytes();
                System.arraycopy(planes, cursor[c], dst, q, n);
                cursor[c] += n;
                q += n;
            }
        }
    }

    /** 14-byte block: first value, shift, 15 six-bit differences (columns down, then rows across). */
    static void unpack14(byte[] a, int p, short[] s) {
        int b0 = a[p] & 0xff, b1 = a[p + 1] & 0xff, b2 = a[p + 2] & 0xff, b3 = a[p + 3] & 0xff, b4 = a[p + 4] & 0xff;
        int b5 = a[p + 5] & 0xff, b6 = a[p + 6] & 0xff, b7 = a[p + 7] & 0xff, b8 = a[p + 8] & 0xff;
        int b9 = a[p + 9] & 0xff, b10 = a[p + 10] & 0xff, b11 = a[p + 11] & 0xff, b12 = a[p + 12] & 0xff;
        int b13 = a[p + 13] & 0xff;
        int shift = b2 >> 2;
        int bias = 0x20 << shift;
        int[] t = new int[16];
        t[0] = (b0 << 8) | b1;
        t[4] = (t[0] + ((((b2 << 4) | (b3 >> 4)) & 0x3f) << shift) - bias) & 0xffff;
        t[8] = (t[4] + ((((b3 << 2) | (b4 >> 6)) & 0x3f) << shift) - bias) & 0xffff;
        t[12] = (t[8] + ((b4 & 0x3f) << shift) - bias) & 0xffff;
        t[1] = (t[0] + ((b5 >> 2) << shift) - bias) & 0xffff;
        t[5] = (t[4] + ((((b5 << 4) | (b6 >> 4)) & 0x3f) << shift) - bias) & 0xffff;
        t[9] = (t[8] + ((((b6 << 2) | (b7 >> 6)) & 0x3f) << shift) - bias) & 0xffff;
        t[13] = (t[12] + ((b7 & 0x3f) << shift) - bias) & 0xffff;
        t[2] = (t[1] + ((b8 >> 2) << shift) - bias) & 0xffff;
        t[6] = (t[5] + ((((b8 << 4) | (b9 >> 4)) & 0x3f) << shift) - bias) & 0xffff;
        t[10] = (t[9] + ((((b9 << 2) | (b10 >> 6)) & 0x3f) << shift) - bias) & 0xffff;
        t[14] = (t[13] + ((b10 & 0x3f) << shift) - bias) & 0xffff;
        t[3] = (t[2] + ((b11 >> 2) << shift) - bias) & 0xffff;
        t[7] = (t[6] + ((((b11 << 4) | (b12 >> 4)) & 0x3f) << shift) - bias) & 0xffff;
        t[11] = (t[10] + ((((b12 << 2) | (b13 >> 6)) & 0x3f) << shift) - bias) & 0xffff;
        t[15] = (t[14] + ((b13 & 0x3f) << shift) - bias) & 0xffff;
        for (int i = 0; i < 16; i++) s[i] = fromOrdered(t[i]);
    }

    /** 3-byte block (B44A): one value for all 16 pixels. */
    static void unpack3(byte[] a, int p, short[] s) {
        short v = fromOrdered(((a[p] & 0xff) << 8) | (a[p + 1] & 0xff));
        java.util.Arrays.fill(s, v);
    }

    /** Undoes the order-preserving remapping of half bits (positive: set top bit; negative: complement). */
    private static short fromOrdered(int t) {
        return (short) ((t & 0x8000) != 0 ? t & 0x7fff : ~t & 0xffff);
    }
}
