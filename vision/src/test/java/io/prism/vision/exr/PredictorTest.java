package io.prism.vision.exr;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-pass ZIP predictor decode against the format's byte-by-byte definition. */
class PredictorTest {

    /** OpenEXR's definition: running sum of (byte - 128) from the second byte on, then even bytes from the first half. */
    private static byte[] decodeByDefinition(byte[] coded) {
        int n = coded.length;
        byte[] t = coded.clone();
        for (int k = 1; k < n; k++) t[k] = (byte) (t[k - 1] + t[k] - 128);
        byte[] raw = new byte[n];
        int half = (n + 1) / 2;
        for (int i = 0; i < n; i++) raw[i] = i % 2 == 0 ? t[i / 2] : t[half + i / 2];
        return raw;
    }

    @Test
    void decodeMatchesTheDefinitionForEveryLengthAndUndoesEncode() {
        Random rnd = new Random(15);
        for (int n = 0; n <= 300; n++) {
            for (int trial = 0; trial < 20; trial++) {
                byte[] coded = new byte[n];
                rnd.nextBytes(coded);
                if (trial % 2 == 1) for (int i = 0; i < n; i++) coded[i] = (byte) (128 + rnd.nextInt(5) - 2); // smooth
                byte[] expected = decodeByDefinition(coded);
                byte[] work = Arrays.copyOf(coded, n + 16); // longer scratch than the data, as the codec's buffers are
                byte[] raw = new byte[n + 16];
                Predictor.decode(work, n, raw);
                assertThat(Arrays.copyOf(raw, n)).as("length %d", n).isEqualTo(expected);
                assertThat(Arrays.copyOfRange(raw, n, n + 16)).as("nothing written past n").containsOnly((byte) 0);

                if (n > 0) { // chunks are never empty; encode needs a first byte
                    byte[] again = new byte[n];
                    Predictor.encode(expected, n, again);
                    assertThat(again).as("encode is the inverse, length %d", n).isEqualTo(coded);
                }
            }
        }
    }
}
