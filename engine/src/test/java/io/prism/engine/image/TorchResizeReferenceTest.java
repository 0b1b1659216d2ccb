package io.prism.engine.image;

import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import io.prism.vision.color.Resize;
import io.prism.vision.color.Resize.Filter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * vision's {@link Resize} against PyTorch's {@code F.interpolate} / replicate padding as diffusers' Marigold pipeline
 * calls them (testdata/marigold-reference/resize.safetensors, README tolerance "resize.* 1e-6"). The test lives in
 * the engine because the engine already has the safetensors reader; vision would need a second one.
 */
class TorchResizeReferenceTest {
    static final double TOLERANCE = 1e-6;
    static Map<String, FloatTensor> ref;

    @BeforeAll
    static void load() throws Exception {
        Path file = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata/marigold-reference/resize.safetensors");
        assumeTrue(Files.isRegularFile(file), "reference fixtures absent: " + file);
        ref = Safetensors.read(file);
    }

    /** Resizes every (n, c) plane of an NCHW tensor to outH×outW. */
    static FloatTensor resize(FloatTensor in, int outH, int outW, Filter filter) {
        long[] s = in.shape();
        int planes = (int) (s[0] * s[1]), h = (int) s[2], w = (int) s[3];
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++) {
            float[] plane = java.util.Arrays.copyOfRange(in.data(), p * h * w, (p + 1) * h * w);
            System.arraycopy(Resize.resize(plane, w, h, outW, outH, filter), 0, out, p * outH * outW, outH * outW);
        }
        return new FloatTensor(new long[] {s[0], s[1], outH, outW}, out);
    }

    static double maxAbsDiff(FloatTensor actual, FloatTensor expected) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        double max = 0;
        for (int i = 0; i < actual.data().length; i++) max = Math.max(max, Math.abs(actual.data()[i] - expected.data()[i]));
        return max;
    }

    static void check(String name, FloatTensor actual) {
        double d = maxAbsDiff(actual, ref.get(name));
        System.out.println(name + ": max |java - torch| = " + d);
        assertThat(d).as(name).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void antialiasedBilinearDownscaleMatchesTorch() {
        check("down_aa_bilinear_21x32", resize(ref.get("down_in"), 21, 32, Filter.BILINEAR));
    }

    @Test
    void antialiasedBilinearUpscaleMatchesTorch() {
        check("up_aa_bilinear_22x32", resize(ref.get("up_in"), 22, 32, Filter.BILINEAR));
    }

    @Test
    void bilinearWithoutAntialiasMatchesTorch() {
        check("post_bilinear_noaa_38x56", resize(ref.get("post_in"), 38, 56, Filter.BILINEAR_NO_ANTIALIAS));
    }

    @Test
    void nearestMatchesTorchForDoublingAndForAnExplicitOddSize() {
        FloatTensor x2 = resize(ref.get("nearest_in"), 6, 8, Filter.NEAREST);
        check("nearest_3x4_to_6x8", x2);
        check("nearest_6x8_to_11x16", resize(ref.get("nearest_3x4_to_6x8"), 11, 16, Filter.NEAREST));
    }

    @Test
    void replicatePaddingToEvenSizeMatchesTorch() {
        FloatTensor in = ref.get("pad_in");
        long[] s = in.shape();
        int planes = (int) (s[0] * s[1]), h = (int) s[2], w = (int) s[3];
        int ph = h + Math.floorMod(-h, 2), pw = w + Math.floorMod(-w, 2);      // diffusers: pad by −h mod f, f = 2 here
        float[] out = new float[planes * ph * pw];
        for (int p = 0; p < planes; p++) {
            float[] plane = java.util.Arrays.copyOfRange(in.data(), p * h * w, (p + 1) * h * w);
            System.arraycopy(Resize.padEdge(plane, w, h, pw, ph), 0, out, p * ph * pw, ph * pw);
        }
        FloatTensor padded = new FloatTensor(new long[] {s[0], s[1], ph, pw}, out);
        assertThat(maxAbsDiff(padded, ref.get("pad_replicate_to_even"))).isZero();
    }

    @Test
    void maxEdgeSizeUsesDiffusersIntegerFloor() {
        long[] s = ref.get("down_in").shape();                                  // 38×56 → 21×32, as the fixture
        assertThat(Resize.maxEdgeSize((int) s[3], (int) s[2], 32)).containsExactly(32, 21);
        assertThat(Resize.maxEdgeSize(1000, 700, 768)).containsExactly(768, 537);  // README: 1000×700 → 768×537
        assertThat(Resize.maxEdgeSize(700, 1000, 768)).containsExactly(537, 768);
    }
}
