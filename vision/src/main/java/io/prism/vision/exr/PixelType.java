package io.prism.vision.exr;

/** Channel sample types of OpenEXR, with their file codes and sizes. */
public enum PixelType {
    /** 32-bit unsigned integer (ids, counts). Read into floats: exact up to 2^24. */
    UINT(0, 4),
    /** 16-bit float, the usual type for colour. */
    HALF(1, 2),
    /** 32-bit float, for depth, positions and anything that needs the precision. */
    FLOAT(2, 4);

    private final int code;
    private final int bytes;

    PixelType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    public int code() { return code; }

    /** Bytes per sample in uncompressed data. */
    public int bytes() { return bytes; }

    /** The type with the given file code, or null. */
    public static PixelType ofCode(int code) {
        for (PixelType t : values()) {
            if (t.code == code) return t;
        }
        return null;
    }
}
