package io.prism.vision.exr;

/**
 * RLE: {@link Predictor} then a byte run-length code. A signed count byte {@code c} is followed either by one byte
 * repeated {@code c + 1} times ({@code c >= 0}) or by {@code -c} literal bytes ({@code c < 0}).
 */
final class RleCodec extends ChunkCodec {
    private byte[] tmp = new byte[0];

    private byte[] tmp(int n) {
        if (tmp.length < n) tmp = new byte[n];
        return tmp;
    }

    @Override
    int compress(byte[] raw, int len, Block block) {
        byte[] t = tmp(len);
        Predictor.encode(raw, len, t);
        byte[] o = ensureOut(len + len / 127 + 2);
        int w = 0;
        int i = 0;
        while (i < len) {
            int run = 1;
            while (i + run < len && run < 128 && t[i + run] == t[i]) run++;
            if (run >= 3) {
                o[w++] = (byte) (run - 1);
                o[w++] = t[i];
                i += run;
            } else {
                // literal stretch up to the next run of 3 equal bytes, at most 127 bytes
                int start = i;
                while (i < len && i - start < 127
                        && !(i + 2 < len && t[i] == t[i + 1] && t[i] == t[i + 2])) {
                    i++;
                }
                int count = i - start;
                o[w++] = (byte) -count;
                System.arraycopy(t, start, o, w, count);
                w += count;
            }
            if (w >= len) return Integer.MAX_VALUE;
        }
        return w;
    }

    @Override
    void decompress(byte[] src, int off, int len, Block block, byte[] dst, int rawLen) {
        byte[] t = tmp(rawLen);
        expand(src, off, len, t, rawLen);
        Predictor.decode(t, rawLen, dst);
    }

    /** Undoes the run-length code alone: {@code src[off, off + len)} must expand to exactly {@code rawLen} bytes. */
    static void expand(byte[] src, int off, int len, byte[] dst, int rawLen) {
        int r = off;
        int end = off + len;
        int w = 0;
        while (r < end) {
            int c = src[r++];
            if (c < 0) {
                int count = -c;
                if (r + count > end) throw new CorruptDataException("RLE literal run past the end of the chunk");
                if (w + count > rawLen) throw new CorruptDataException("RLE data decodes to more than " + rawLen + " bytes");
                System.arraycopy(src, r, dst, w, count);
                r += count;
                w += count;
            } else {
                if (r >= end) throw new CorruptDataException("RLE run without its value byte");
                int count = c + 1;
                if (w + count > rawLen) throw new CorruptDataException("RLE data decodes to more than " + rawLen + " bytes");
                byte v = src[r++];
                for (int k = 0; k < count; k++) dst[w++] = v;
            }
        }
        if (w != rawLen) throw new CorruptDataException("RLE data decodes to " + w + " bytes, expected " + rawLen);
    }
}
