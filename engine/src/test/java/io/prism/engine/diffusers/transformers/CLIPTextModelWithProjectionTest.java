package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.diffusers.StateDict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static io.prism.engine.diffusers.MarigoldReference.maxAbs;
import static io.prism.engine.diffusers.MarigoldReference.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * SD3's CLIP-L (quick_gelu, 2 layers) and CLIP-G (gelu, 3 layers) stand-ins against transformers
 * (sd3-reference/tiny-transparency, text_intermediates.safetensors).
 */
class CLIPTextModelWithProjectionTest {
    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = Engines.pytorch(1).newBaseManager();
        Engines.gradMode(false);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void clipLStandInMatchesEveryHiddenStateAndTheProjectedPooledOutput() {
        check("text_encoder", "clip_l", 2);
    }

    @Test
    void clipGStandInMatchesEveryHiddenStateAndTheProjectedPooledOutput() {
        check("text_encoder_2", "clip_g", 3);
    }

    private static void check(String component, String tag, int layers) {
        Path sd3 = CLIPTokenizerTest.sd3Dir();
        SafetensorsFile text = SafetensorsFile.open(sd3.resolve("text.safetensors"));
        SafetensorsFile ref = SafetensorsFile.open(sd3.resolve("text_intermediates.safetensors"));
        try (NDManager m = manager.newSubManager()) {
            CLIPTextModelWithProjection model = CLIPTextModelWithProjection.load(sd3.resolve("tiny-transparency").resolve(component), null, m,
                    DataType.FLOAT32);
            CLIPTextModelWithProjection.Output o = model.forward(m.create(new long[][] {text.longs(tag + "_input_ids")}));
            assertThat(o.hiddenStates()).hasSize(layers + 1);
            for (int i = 0; i <= layers; i++) {
                String name = tag + "_hidden_states_" + i;
                assertThat(maxAbsDiff(o.hiddenStates().get(i), ref, name)).as(name).isLessThan(1e-6 * Math.max(1, maxAbs(ref, name)));
            }
            assertThat(maxAbsDiff(o.lastHiddenState(), ref, tag + "_last_hidden_state")).isLessThan(1e-6);
            // eos_token_id 2 (legacy): pooled at the largest id = EOS at position 1, though "!"-padding (id 0) follows
            assertThat(maxAbsDiff(o.textEmbeds(), ref, tag + "_text_embeds")).isLessThan(1e-6);
        }
    }

    @Test
    void fullSizeSd35ClipLHasTheReferenceParameterCount() {
        Path config = CLIPTokenizerTest.sd3Dir().resolve("configs/stable-diffusion-3.5-medium/text_encoder");
        try (NDManager m = manager.newSubManager()) {
            StateDict sd = StateDict.random(m, DataType.FLOAT32, 11);
            new CLIPTextModelWithProjection(CLIPTextConfig.load(config), sd);
            assertThat(sd.parameterCount()).isEqualTo(123_650_304L);
        }
    }
}
