package io.prism.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.prism.engine.Engines;
import io.prism.engine.model.PixelUnshuffleCodec;
import io.prism.engine.model.UNetDenoiser;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BlocksTest {

    @Test
    void groupNormNormalisesEachGroupOverChannelsAndSpace() {
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            GroupNorm gn = new GroupNorm(4, 2, 1e-5f);
            gn.initialize(m, DataType.FLOAT32, new Shape(1, 4, 2, 2));
            float[] x = new float[16];
            for (int i = 0; i < 16; i++) x[i] = i * i * 0.1f;
            float[] y = gn.forward(new ParameterStore(m, false), new NDList(m.create(x, new Shape(1, 4, 2, 2))), false)
                    .singletonOrThrow().toFloatArray();
            for (int g = 0; g < 2; g++) {                        // group g = channels 2g, 2g+1 = elements 8g .. 8g+7
                double mean = 0, var = 0;
                for (int i = 0; i < 8; i++) mean += x[8 * g + i];
                mean /= 8;
                for (int i = 0; i < 8; i++) var += (x[8 * g + i] - mean) * (x[8 * g + i] - mean);
                var /= 8;
                for (int i = 0; i < 8; i++) {
                    assertThat((double) y[8 * g + i]).isCloseTo((x[8 * g + i] - mean) / Math.sqrt(var + 1e-5), within(1e-4));
                }
            }
        }
    }

    @Test
    void timestepEmbeddingPutsCosineFirst() {
        float[] e = TimestepEmbedding.sinusoidal(new float[] {0f, 10f}, 4);
        assertThat(e).containsExactly(1f, 1f, 0f, 0f, (float) Math.cos(10), (float) Math.cos(10 * 0.01), (float) Math.sin(10),
                (float) Math.sin(10 * 0.01));
    }

    @Test
    void unetMapsAnyMultipleSizeToTheTargetChannelsAndRefusesOthers() {
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            UNetConfig c = new UNetConfig(6, 3, List.of(8, 16, 16), 1, 4, 8, 32);
            UNetDenoiser d = new UNetDenoiser(c, m);
            d.initialise(1);
            NDArray out = d.predict(m.randomNormal(new Shape(2, 6, 12, 8)), new float[] {999, 10});
            assertThat(out.getShape()).isEqualTo(new Shape(2, 3, 12, 8));
            assertThatThrownBy(() -> d.predict(m.randomNormal(new Shape(1, 6, 10, 8)), new float[] {1}))
                    .hasMessageContaining("not a multiple of 4");
            assertThatThrownBy(() -> d.predict(m.randomNormal(new Shape(1, 5, 8, 8)), new float[] {1}))
                    .hasMessageContaining("expects 6 input channels");
            assertThat(d.flopsPerLatentPixel()).isGreaterThan(0);
        }
    }

    @Test
    void pixelUnshuffleIsLosslessAndOrdersChannelsByPhase() {
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            PixelUnshuffleCodec codec = new PixelUnshuffleCodec(2, 1f, 0f);
            NDArray x = m.arange(0f, 16f).reshape(1, 1, 4, 4);
            NDArray z = codec.encode(x);
            assertThat(z.getShape()).isEqualTo(new Shape(1, 4, 2, 2));
            // channel dy·2 + dx holds pixels (2i + dy, 2j + dx)
            assertThat(z.get("0,0").toFloatArray()).containsExactly(0, 2, 8, 10);
            assertThat(z.get("0,3").toFloatArray()).containsExactly(5, 7, 13, 15);
            assertThat(codec.decode(z, 1).toFloatArray()).containsExactly(x.toFloatArray());
            assertThatThrownBy(() -> codec.encode(m.zeros(new Shape(1, 1, 3, 4)))).hasMessageContaining("multiple of the codec factor");
        }
    }
}
