package io.prism.vision.exr;

import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** ZIP (16 lines per chunk) and ZIPS (1 line): {@link Predictor} then zlib. */
final class ZipCodec extends ChunkCodec {
    private final Deflater deflater;
    private final Inflater inflater = new Inflater();
    private byte[] tmp = new byte[0];

    ZipCodec(int level) {
        deflater = new Deflater(level);
    }

    private byte[] tmp(int n) {
        if (tmp.length < n) tmp = new byte[n];
        return tmp;
    }

    @Override
    int compress(byte[] raw, int len, Block block) {
        byte[] t = tmp(len);
        Predictor.encode(raw, len, t);
        return deflate(deflater, t, len, this);
    }

    /** zlib-compresses src[0,len) into codec.out; returns the length, or Integer.MAX_VALUE if not smaller. */
    static int deflate(Deflater deflater, byte[] src, int len, ChunkCodec codec) {
        deflater.reset();
        deflater.setInput(src, 0, len);
        deflater.finish();
        byte[] o = codec.ensureOut(len);
        int n = 0;
        while (!deflater.finished()) {
            if (n == o.length) {
                return Integer.MAX_VALUE; // no smaller than raw: the chunk is stored raw
            }
            n += deflater.deflate(o, n, o.length - n);
        }
        return n;
    }

    @Override
    void decompress(byte[] src, int off, int len, Block block, byte[] dst, int rawLen) {
        byte[] t = tmp(rawLen);
        inflate(inflater, src, off, len, t, rawLen);
        Predictor.decode(t, rawLen, dst);
    }

    /** Output of the end-of-stream check; what lands there is never read, so threads may share it. */
    private static final byte[] PROBE = new byte[1];

    /** Inflates exactly {@code expected} bytes; anything else is corrupt data. */
    static void inflate(Inflater inflater, byte[] src, int off, int len, byte[] dst, int expected) {
        inflater.reset();
        inflater.setInput(src, off, len);
        int n = 0;
        try {
            int stalls = 0;
            while (n < expected) {
                int k = inflater.inflate(dst, n, expected - n);
                if (k == 0) {
                    if (inflater.finished() || inflater.needsInput() || inflater.needsDictionary() || ++stalls > 2) {
                        break;
                    }
                }
                n += k;
            }
            if (n == expected && !inflater.finished()) {
                // the stream must end here: more output means the chunk does not match its header
                if (inflater.inflate(PROBE) > 0) {
                    throw new CorruptDataException("zlib data decodes to more than the expected " + expected + " bytes");
                }
            }
        } catch (DataFormatException e) {
            throw new CorruptDataException("zlib data is corrupt: " + e.getMessage());
        }
        if (n != expected) {
            throw new CorruptDataException("zlib data decodes to " + n + " bytes, expected " + expected);
        }
    }

    @Override
    public void close() {
        deflater.end();
        inflater.end();
    }
}
