package io.prism.vision.exr;

/**
 * Compresses and decompresses the data of one chunk. Instances keep scratch buffers and native zlib state, so each
 * is used by one thread at a time.
 */
abstract class ChunkCodec implements AutoCloseable {
    /** Scratch output of {@link #compress}. */
    protected byte[] out = new byte[0];

    /**
     * Compresses {@code raw[0, len)}. Returns the compressed length (bytes in {@link #output()}); the caller stores
     * the raw data instead when that is not smaller than {@code len}.
     */
    abstract int compress(byte[] raw, int len, Block block);

    /**
     * Decompresses {@code src[off, off + len)} into exactly {@code rawLen} bytes of {@code dst}; throws
     * {@link CorruptDataException} if the data does not decode to exactly that.
     */
    abstract void decompress(byte[] src, int off, int len, Block block, byte[] dst, int rawLen);

    byte[] output() { return out; }

    protected byte[] ensureOut(int n) {
        if (out.length < n) out = new byte[n];
        return out;
    }

    @Override
    public void close() {
    }

    static ChunkCodec create(Compression c, int zipLevel) {
        return switch (c) {
            case NONE -> new NoCodec();
            case RLE -> new RleCodec();
            case ZIPS, ZIP -> new ZipCodec(zipLevel);
            case PIZ -> new PizCodec();
            case PXR24 -> new Pxr24Codec(zipLevel);
            case B44, B44A -> new B44Codec();
            case DWAA, DWAB -> new DwaCodec();
        };
    }

    static final class NoCodec extends ChunkCodec {
        @Override
        int compress(byte[] raw, int len, Block block) {
            return Integer.MAX_VALUE;
        }

        @Override
        void decompress(byte[] src, int off, int len, Block block, byte[] dst, int rawLen) {
            if (len != rawLen) throw new CorruptDataException("uncompressed chunk has " + len + " bytes, expected " + rawLen);
            System.arraycopy(src, off, dst, 0, rawLen);
        }
    }
}
