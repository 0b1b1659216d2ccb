package io.prism.vision.exr;

/**
 * OpenEXR compression methods with their file codes and the number of scan lines each packs per chunk.
 * Prism reads all of them and writes NONE, RLE, ZIPS, ZIP, PIZ and PXR24 (PXR24 is lossy for FLOAT: 24-bit floats);
 * B44, B44A, DWAA and DWAB are read only.
 */
public enum Compression {
    NONE(0, 1),
    RLE(1, 1),
    ZIPS(2, 1),
    ZIP(3, 16),
    PIZ(4, 32),
    PXR24(5, 16),
    B44(6, 32),
    B44A(7, 32),
    DWAA(8, 32),
    DWAB(9, 256);

    private final int code;
    private final int linesPerChunk;

    Compression(int code, int linesPerChunk) {
        this.code = code;
        this.linesPerChunk = linesPerChunk;
    }

    public int code() { return code; }

    /** Scan lines per chunk in scanline parts. */
    public int linesPerChunk() { return linesPerChunk; }

    /** Whether Prism can write this method. */
    public boolean supported() {
        return code <= 5;
    }

    /** Whether Prism can read this method. */
    public boolean readable() {
        return code <= 9;
    }

    /** The method with the given file code, or null. */
    public static Compression ofCode(int code) {
        for (Compression c : values()) {
            if (c.code == code) return c;
        }
        return null;
    }
}
