package io.prism.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.engine.model.ModelSpec;
import io.prism.trainer.engine.EngineModelTrainer;
import io.prism.trainer.run.LabeledFrame;
import io.prism.vision.image.FloatImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Production frames of mixed sizes still train: the crop is chosen from the model's granularity. */
class AutoCropTest {
    static LabeledFrame frame(int w, int h) {
        return new LabeledFrame(w + "x" + h, FloatImage.blank(w, h, List.of("R", "G", "B")), FloatImage.blank(w, h, List.of("R", "G", "B")));
    }

    @Test
    void wholeFramesWhenAllAgreeOtherwiseTheLargestSquareThatFitsEveryFrame() {
        ModelSpec spec = ModelSpec.compact("t", "albedo", 2, List.of(8, 16), 4, 32);
        int multiple = spec.codec().factor() * spec.unet().spatialMultiple();
        assertThat(EngineModelTrainer.autoCrop(spec, List.of(frame(64, 64), frame(32, 32)))).isZero();   // both 32x32 at res 32
        // 1920x1080 → 32x18 at res 32; a 64x64 frame → 32x32: crop to the largest multiple fitting 18.
        int crop = EngineModelTrainer.autoCrop(spec, List.of(frame(1920, 1080), frame(64, 64)));
        assertThat(crop).isEqualTo(18 / multiple * multiple).isPositive();
        assertThat(crop % multiple).isZero();
        assertThatThrownBy(() -> EngineModelTrainer.autoCrop(spec, List.of(frame(4000, 10), frame(64, 64))))
                .hasMessageContaining("too small");
    }
}
