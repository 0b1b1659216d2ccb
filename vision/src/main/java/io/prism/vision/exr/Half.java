package io.prism.vision.exr;

/**
 * IEEE 754 binary16 ("half") conversion for Java 17, where {@code Float.float16ToFloat} does not exist yet.
 * <p>
 * {@link #toFloat} is exact for every one of the 65536 bit patterns (subnormals, ±0, ±infinity, NaN payloads kept in
 * the top mantissa bits). {@link #fromFloat} rounds to nearest, ties to even; values beyond the half range become
 * ±infinity, values below half the smallest subnormal become ±0, and NaN stays NaN (payload truncated, never
 * turned into infinity).
 */
public final class Half {
    /** Largest finite half, 65504. */
    public static final float MAX_VALUE = 65504f;
    /** Smallest positive normal half, 2^-14. */
    public static final float MIN_NORMAL = 0x1p-14f;
    /** Smallest positive subnormal half, 2^-24. */
    public static final float MIN_VALUE = 0x1p-24f;

    private static final float[] TO_FLOAT = new float[65536];

    static {
        for (int h = 0; h < 65536; h++) {
            TO_FLOAT[h] = convert(h);
        }
    }

    private Half() {
    }

    /** The float value of the half with the given bits (low 16 bits used). */
    public static float toFloat(int halfBits) {
        return TO_FLOAT[halfBits & 0xffff];
    }

    /** The float value of the half with the given bits. */
    public static float toFloat(short halfBits) {
        return TO_FLOAT[halfBits & 0xffff];
    }

    private static float convert(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exactly representable as a float
            float f = mant * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        if (exp == 31) {
            // infinity (mant == 0) or NaN; the payload moves to the top of the float mantissa
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        // normal: rebias exponent 15 -> 127
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The half bits (in the low 16 bits of the result) nearest to {@code f}, ties to even. */
    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int e = (x >>> 23) & 0xff;
        int m = x & 0x7fffff;
        if (e == 0xff) {
            if (m == 0) {
                return (short) (sign | 0x7c00);
            }
            int hm = m >>> 13;
            // keep it a NaN even if the payload lived only in the low bits
            return (short) (sign | 0x7c00 | (hm == 0 ? 0x200 : hm));
        }
        if (e > 142) {
            // |f| >= 2^16: beyond any half, rounds to infinity
            return (short) (sign | 0x7c00);
        }
        if (e >= 113) {
            // normal half range (possibly rounding up to the next exponent or to infinity, which the carry does)
            int h = ((e - 112) << 10) | (m >>> 13);
            int rest = m & 0x1fff;
            if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
                h++;
            }
            return (short) (sign | h);
        }
        if (e <= 101) {
            // below 2^-25 (half of the smallest subnormal): rounds to zero; float subnormals land here too
            return (short) sign;
        }
        // subnormal half: value = full * 2^(e-150), in units of 2^-24 that is full >> (126 - e)
        int full = m | 0x800000;
        int shift = 126 - e; // 14..24
        int h = full >>> shift;
        int rest = full & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (h & 1) != 0)) {
            h++; // may carry into the smallest normal, which is the right answer
        }
        return (short) (sign | h);
    }

    /** {@code f} rounded to the nearest half and back: what a HALF channel will store. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
