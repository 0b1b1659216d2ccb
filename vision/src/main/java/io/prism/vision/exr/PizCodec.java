package io.prism.vision.exr;

/** PIZ: wavelet + Huffman. */
final class PizCodec extends ChunkCodec {
    @Override
    int compress(byte[] raw, int len, Block block) {
        throw new UnsupportedOperationException("PIZ is being written");
    }

    @Override
    void decompress(byte[] src, int off, int len, Block block, byte[] dst, int rawLen) {
        throw new CorruptDataException("PIZ not yet");
    }
}
