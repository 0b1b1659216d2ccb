package io.prism.engine.image;

import io.prism.engine.AlbedoEncoding;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ImageOpsTest {

    @Test
    void fitLongestSideKeepsAspect() {
        assertThat(ImageOps.fitLongestSide(1920, 1080, 128)).containsExactly(128, 72);
        assertThat(ImageOps.fitLongestSide(100, 300, 0)).containsExactly(100, 300);
    }

    @Test
    void downscalingAveragesAndConstantImagesStayConstant() {
        float[] p = new float[32 * 32];
        for (int i = 0; i < p.length; i++) p[i] = (i % 2 == 0) ? 1 : 0;       // 1-px vertical stripes, mean 0.5
        FloatImage img = new FloatImage(32, 32, List.of("Y"), new float[][] {p});
        for (Resample r : new Resample[] {Resample.BILINEAR, Resample.BICUBIC}) {
            FloatImage small = ImageOps.resize(img, 4, 4, r);                 // a widened filter averages the stripes away
            for (int y = 1; y < 3; y++) {
                for (int x = 1; x < 3; x++) assertThat(small.get(0, x, y)).as(r.name()).isCloseTo(0.5f, within(0.03f));
            }
        }
        float[] c = new float[5 * 3];
        java.util.Arrays.fill(c, 0.25f);
        FloatImage big = ImageOps.resize(new FloatImage(5, 3, List.of("Y"), new float[][] {c}), 17, 11, Resample.BICUBIC);
        for (float v : big.planes()[0]) assertThat(v).isCloseTo(0.25f, within(1e-5f));
    }

    @Test
    void nearestUpscalingReplicatesPixels() {
        FloatImage img = new FloatImage(2, 1, List.of("Y"), new float[][] {{0, 1}});
        assertThat(ImageOps.resize(img, 4, 1, Resample.NEAREST).planes()[0]).containsExactly(0, 0, 1, 1);
    }

    @Test
    void padCropAndFlip() {
        FloatImage img = new FloatImage(2, 2, List.of("Y"), new float[][] {{1, 2, 3, 4}});
        assertThat(ImageOps.padTo(img, 3, 3).planes()[0]).containsExactly(1, 2, 2, 3, 4, 4, 3, 4, 4);
        assertThat(ImageOps.crop(ImageOps.padTo(img, 3, 3), 1, 1, 2, 2).planes()[0]).containsExactly(4, 4, 4, 4);
        assertThat(ImageOps.flipHorizontal(img).planes()[0]).containsExactly(2, 1, 4, 3);
        assertThat(ImageOps.flipVertical(img).planes()[0]).containsExactly(3, 4, 1, 2);
    }

    @Test
    void wrongChannelsAndNonFinitePixelsGetClearErrors() {
        FloatImage chroma = FloatImage.blank(4, 4, List.of("BY", "RY", "Y"));   // three channels are not RGB: never renamed
        assertThatThrownBy(() -> InputEncoding.colour(chroma, "input")).hasMessageContaining("must have colour channels R, G, B");
        FloatImage rgb = FloatImage.blank(4, 4, List.of("R", "G", "B"));
        rgb.set(1, 2, 3, Float.NaN);
        assertThatThrownBy(() -> InputEncoding.requireFinite(rgb, "input")).hasMessageContaining("non-finite").hasMessageContaining("x=2, y=3");
        rgb.set(1, 2, 3, Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> InputEncoding.DEFAULT.encode(rgb)).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> FloatImage.blank(0, 4, List.of("R", "G", "B"))).hasMessageContaining("positive");
    }

    @Test
    void albedoIsClampedAndSrgbEncodedBothWays() {
        FloatImage lin = new FloatImage(3, 1, List.of("R", "G", "B"), new float[][] {{0.18f, 1.5f, -0.1f}, {0.5f, 0.5f, 0.5f}, {0, 0, 0}});
        FloatImage srgb = AlbedoEncoding.toSrgb(lin);
        assertThat(srgb.get(0, 0, 0)).isCloseTo(0.4613561f, within(1e-5f));
        assertThat(srgb.get(0, 1, 0)).isEqualTo(1f);
        assertThat(srgb.get(0, 2, 0)).isEqualTo(0f);
        assertThat(AlbedoEncoding.toLinear(srgb).get(1, 0, 0)).isCloseTo(0.5f, within(1e-6f));
    }
}
