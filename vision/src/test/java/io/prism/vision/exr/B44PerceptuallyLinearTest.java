package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * B44/B44A channels marked perceptually linear decode to what libOpenEXR decodes. The files in
 * {@code src/test/resources/b44} and their uncompressed references were written by
 * {@code src/test/fixtures/make-b44-plinear.cpp} with libOpenEXR 3.1.
 */
class B44PerceptuallyLinearTest {

    static ExrPart resource(String name) throws Exception {
        try (InputStream in = B44PerceptuallyLinearTest.class.getResourceAsStream("/b44/" + name)) {
            assertThat(in).as(name).isNotNull();
            return ExrReader.read(in.readAllBytes(), name, ExrLimits.DEFAULT).parts().get(0);
        }
    }

    @Test
    void perceptuallyLinearChannelsMatchLibOpenExrBitForBit() throws Exception {
        for (String name : new String[] {"plinear-b44", "plinear-b44a"}) {
            ExrPart part = resource(name + ".exr");
            assertThat(part.header().compression()).isIn(Compression.B44, Compression.B44A);
            assertThat(part.header().channels()).filteredOn(ExrChannel::pLinear).extracting(ExrChannel::name).containsExactly("P");
            FloatImage ref = resource(name + ".ref.exr").image();
            for (String c : new String[] {"P", "R"}) {
                float[] got = part.image().plane(c), want = ref.plane(c);
                for (int i = 0; i < got.length; i++) {
                    assertThat(Float.floatToIntBits(got[i])).as("%s %s at %d (%s vs %s)", name, c, i, got[i], want[i])
                            .isEqualTo(Float.floatToIntBits(want[i]));
                }
            }
        }
    }
}
