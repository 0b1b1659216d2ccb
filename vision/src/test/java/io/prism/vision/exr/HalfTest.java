package io.prism.vision.exr;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Exhaustive checks of the float16 conversion against an independent reference computed in double precision. */
class HalfTest {

    /** The value of a half computed from its definition, in double (exact for every half). */
    private static double reference(int h) {
        int sign = (h >> 15) & 1;
        int exp = (h >> 10) & 0x1f;
        int mant = h & 0x3ff;
        double v;
        if (exp == 0) v = mant * Math.pow(2, -24);
        else if (exp == 31) v = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        else v = (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        return sign == 1 ? -v : v;
    }

    @Test
    void everyHalfConvertsToItsExactValueAndBack() {
        for (int h = 0; h < 65536; h++) {
            float f = Half.toFloat(h);
            double ref = reference(h);
            if (Double.isNaN(ref)) {
                assertThat(Float.isNaN(f)).as("half %04x is NaN", h).isTrue();
                // NaN payload survives the round trip
                assertThat(Half.fromFloat(f) & 0xffff).as("NaN %04x", h).isEqualTo(h);
            } else {
                assertThat((double) f).as("half %04x", h).isEqualTo(ref);
                assertThat(Float.floatToRawIntBits(f) >>> 31).as("sign of %04x", h).isEqualTo(h >>> 15);
                assertThat(Half.fromFloat(f) & 0xffff).as("round trip of %04x", h).isEqualTo(h);
            }
        }
    }

    @Test
    void roundsToNearestEvenBetweenEveryPairOfAdjacentHalfs() {
        // Positive and negative finite halfs, including the subnormal range and the step to infinity.
        for (int sign = 0; sign <= 0x8000; sign += 0x8000) {
            for (int h = 0; h < 0x7c00; h++) {
                int lo = sign | h;
                int hi = sign | (h + 1); // 0x7bff + 1 = 0x7c00 = infinity: midpoint 65520 rounds up to infinity
                double a = reference(lo);
                double b = Double.isInfinite(reference(hi)) ? Math.copySign(65536.0, a == 0 ? (sign != 0 ? -1 : 1) : a) : reference(hi);
                float mid = (float) ((a + b) / 2); // exactly representable: halfs have 11 significant bits
                assertThat((a + b) / 2).isEqualTo((double) mid);
                int even = (lo & 1) == 0 ? lo : hi;
                assertThat(Half.fromFloat(mid) & 0xffff).as("tie between %04x and %04x", lo, hi).isEqualTo(even);
                float towardsLo = sign == 0 ? Math.nextDown(mid) : Math.nextUp(mid);
                float towardsHi = sign == 0 ? Math.nextUp(mid) : Math.nextDown(mid);
                assertThat(Half.fromFloat(towardsLo) & 0xffff).as("just below midpoint %04x/%04x", lo, hi).isEqualTo(lo);
                assertThat(Half.fromFloat(towardsHi) & 0xffff).as("just above midpoint %04x/%04x", lo, hi).isEqualTo(hi);
            }
        }
    }

    @Test
    void specialValues() {
        assertThat(Half.fromFloat(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7c00);
        assertThat(Half.fromFloat(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
        assertThat(Half.fromFloat(1e10f)).isEqualTo((short) 0x7c00);
        assertThat(Half.fromFloat(-1e-10f)).isEqualTo((short) 0x8000);
        assertThat(Half.fromFloat(Float.MIN_VALUE)).isEqualTo((short) 0);
        assertThat(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN)))).isTrue();
        // a NaN whose payload sits only in low mantissa bits must not become infinity
        assertThat(Float.isNaN(Half.toFloat(Half.fromFloat(Float.intBitsToFloat(0x7f800001))))).isTrue();
        assertThat(Half.toFloat(Half.fromFloat(65504f))).isEqualTo(Half.MAX_VALUE);
        assertThat(Half.toFloat(Half.fromFloat(0x1p-24f))).isEqualTo(Half.MIN_VALUE);
        assertThat(Half.toFloat(Half.fromFloat(0x1p-14f))).isEqualTo(Half.MIN_NORMAL);
        assertThat(Half.round(1f / 3)).isEqualTo(0.333251953125f);
    }
}
