package io.prism.vision.exr;

import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * PXR24 (16 lines per chunk): FLOAT samples are rounded to 24 bits (lossy), HALF and UINT kept whole. Per scan line
 * and channel, each sample is differenced from the previous one (wrapping integer arithmetic, starting from 0), the
 * differences are split into byte planes, most significant plane first, and the whole chunk is zlib-compressed.
 */
final class Pxr24Codec extends ChunkCodec {
    private final Deflater deflater;
    private final Inflater inflater = new Inflater();
    private byte[] tmp = new byte[0];

    Pxr24Codec(int level) {
        deflater = new Deflater(level);
    }

    private static int planes(PixelType t) {
        return switch (t) {
            case UINT -> 4;
            case HALF -> 2;
            case FLOAT -> 3;
        };
    }

    private static long packedSize(Block b) {
        long n = 0;
        for (int c = 0; c < b.channels().length; c++) {
            n += (long) b.nx(c) * b.ny(c) * planes(b.channels()[c].type());
        }
        return n;
    }

    private byte[] tmp(long n) {
        if (n > Integer.MAX_VALUE - 16) throw new CorruptDataException("PXR24 chunk too large");
        if (tmp.length < n) tmp = new byte[(int) n];
        return tmp;
    }

    /** Rounds a float's bits to 24 (sign, 8 exponent, 15 mantissa), keeping infinities and NaNs as such. */
    static int floatToFloat24(int bits) {
        int s = bits & 0x80000000;
        int e = bits & 0x7f800000;
        int m = bits & 0x007fffff;
        int i;
        if (e == 0x7f800000) {
            if (m != 0) {
                m >>>= 8;
                i = (e >>> 8) | m | (m == 0 ? 1 : 0);
            } else {
                i = e >>> 8;
            }
        } else {
            i = ((e | m) + (m & 0x80)) >>> 8;
            if (i >= 0x7f8000) {
                // rounding overflowed into infinity: keep the largest finite value instead
                i = (e | m) >>> 8;
            }
        }
        return (s >>> 8) | i;
    }

    @Override
    int compress(byte[] raw, int len, Block b) {
        byte[] t = tmp(packedSize(b));
        ExrChannel[] ch = b.channels();
        int r = 0;
        int w = 0;
        for (int y = b.minY(); y <= b.maxY(); y++) {
            for (int c = 0; c < ch.length; c++) {
                if (!b.sampledRow(c, y)) continue;
                int n = b.nx(c);
                int prev = 0;
                switch (ch[c].type()) {
                    case UINT -> {
                        for (int x = 0; x < n; x++, r += 4) {
                            int v = (raw[r] & 0xff) | (raw[r + 1] & 0xff) << 8 | (raw[r + 2] & 0xff) << 16 | raw[r + 3] << 24;
                            int d = v - prev;
                            prev = v;
                            t[w + x] = (byte) (d >>> 24);
                            t[w + n + x] = (byte) (d >>> 16);
                            t[w + 2 * n + x] = (byte) (d >>> 8);
                            t[w + 3 * n + x] = (byte) d;
                        }
                        w += 4 * n;
                    }
                    case HALF -> {
                        for (int x = 0; x < n; x++, r += 2) {
                            int v = (raw[r] & 0xff) | (raw[r + 1] & 0xff) << 8;
                            int d = v - prev;
                            prev = v;
                            t[w + x] = (byte) (d >>> 8);
                            t[w + n + x] = (byte) d;
                        }
                        w += 2 * n;
                    }
                    case FLOAT -> {
                        for (int x = 0; x < n; x++, r += 4) {
                            int v = (raw[r] & 0xff) | (raw[r + 1] & 0xff) << 8 | (raw[r + 2] & 0xff) << 16 | raw[r + 3] << 24;
                            int f24 = floatToFloat24(v);
                            int d = f24 - prev;
                            prev = f24;
                            t[w + x] = (byte) (d >>> 16);
                            t[w + n + x] = (byte) (d >>> 8);
                            t[w + 2 * n + x] = (byte) d;
                        }
                        w += 3 * n;
                    }
                }
            }
        }
        return ZipCodec.deflate(deflater, t, w, this);
    }

    @Override
    void decompress(byte[] src, int off, int len, Block b, byte[] dst, int rawLen) {
        long packed = packedSize(b);
        byte[] t = tmp(packed);
        ZipCodec.inflate(inflater, src, off, len, t, (int) packed);
        ExrChannel[] ch = b.channels();
        int r = 0;
        int w = 0;
        for (int y = b.minY(); y <= b.maxY(); y++) {
            for (int c = 0; c < ch.length; c++) {
                if (!b.sampledRow(c, y)) continue;
                int n = b.nx(c);
                int acc = 0;
                switch (ch[c].type()) {
                    case UINT -> {
                        for (int x = 0; x < n; x++, w += 4) {
                            int d = (t[r + x] & 0xff) << 24 | (t[r + n + x] & 0xff) << 16 | (t[r + 2 * n + x] & 0xff) << 8
                                    | (t[r + 3 * n + x] & 0xff);
                            acc += d;
                            putInt(dst, w, acc);
                        }
                        r += 4 * n;
                    }
                    case HALF -> {
                        for (int x = 0; x < n; x++, w += 2) {
                            int d = (t[r + x] & 0xff) << 8 | (t[r + n + x] & 0xff);
                            acc = (acc + d) & 0xffff;
                            dst[w] = (byte) acc;
                            dst[w + 1] = (byte) (acc >>> 8);
                        }
                        r += 2 * n;
                    }
                    case FLOAT -> {
                        for (int x = 0; x < n; x++, w += 4) {
                            int d = (t[r + x] & 0xff) << 24 | (t[r + n + x] & 0xff) << 16 | (t[r + 2 * n + x] & 0xff) << 8;
                            acc += d;
                            putInt(dst, w, acc);
                        }
                        r += 3 * n;
                    }
                }
            }
        }
        if (w != rawLen) throw new CorruptDataException("PXR24 chunk decodes to " + w + " bytes, expected " + rawLen);
    }

    private static void putInt(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
        b[i + 3] = (byte) (v >>> 24);
    }

    @Override
    public void close() {
        deflater.end();
        inflater.end();
    }
}
