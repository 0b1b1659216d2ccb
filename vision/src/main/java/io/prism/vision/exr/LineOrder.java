package io.prism.vision.exr;

/** The order in which scanline chunks were written. Readers need not care: the offset table locates every chunk. */
public enum LineOrder {
    INCREASING_Y, DECREASING_Y, RANDOM_Y;

    public static LineOrder ofCode(int code) {
        return code >= 0 && code < 3 ? values()[code] : null;
    }
}
