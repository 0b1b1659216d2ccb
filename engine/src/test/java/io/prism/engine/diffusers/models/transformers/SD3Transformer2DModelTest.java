package io.prism.engine.diffusers.models.transformers;

import io.prism.engine.diffusers.InferenceTest;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.diffusers.Sd3Reference;
import io.prism.engine.diffusers.StateDict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static io.prism.engine.diffusers.MarigoldReference.maxAbs;
import static io.prism.engine.diffusers.MarigoldReference.maxAbsDiff;
import static io.prism.engine.diffusers.MarigoldReference.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SD3Transformer2DModel against diffusers' outputs on the tiny SD3.5-medium-shaped checkpoint (dual-attention block,
 * plain joint block, context_pre_only block, RMS q/k norm) at the fixture README's tolerance (2e-5), with every
 * recorded intermediate at 1e-5 × max|reference| to locate a divergence.
 */
class SD3Transformer2DModelTest extends InferenceTest {

    static SD3Transformer2DModel tiny(NDManager m) {
        return SD3Transformer2DModel.load(Sd3Reference.tinyTransparency().resolve("transformer"), null, m, DataType.FLOAT32, false);
    }

    @Test
    void predictsDiffusersOutputWithEveryIntermediateFromDiffusersTimestepSinusoid() {
        SD3Transformer2DModel model = tiny(manager);
        SafetensorsFile f = Sd3Reference.open("transformer.safetensors");
        SafetensorsFile inter = Sd3Reference.open("transformer_intermediates.safetensors");
        Map<String, Double> diffs = new LinkedHashMap<>();
        NDArray out = model.forward(tensor(manager, f, "sample"), f.floats("timesteps"), tensor(manager, inter, "time_text_embed.time_proj"),
                tensor(manager, f, "encoder_hidden_states"), tensor(manager, f, "pooled_projections"), (name, value) -> {
                    if (!inter.entries().containsKey(name)) return;
                    double diff = maxAbsDiff(value, inter, name);
                    assertThat(diff).as(name).isLessThan(1e-5 * maxAbs(inter, name));
                    diffs.put(name, diff);
                });
        assertThat(diffs.keySet()).containsExactlyInAnyOrderElementsOf(inter.entries().keySet());
        assertThat(maxAbsDiff(out, f, "out")).isLessThan(2e-5);
    }

    /**
     * From the timesteps themselves. One float32 ulp of a sinusoid frequency moves cos(1000·ω) by up to 6e-5 and
     * libtorch builds round exp differently (see CombinedTimestepTextProjEmbeddings): the sinusoid is within 3e-5 of
     * PyTorch 2.13's and the output within 3e-5 (measured 2.6e-5 and 2.5e-5), the README's 2e-5 plus that ulp.
     */
    @Test
    void predictsDiffusersOutputAtTwoTimesteps() {
        SD3Transformer2DModel model = tiny(manager);
        SafetensorsFile f = Sd3Reference.open("transformer.safetensors");
        SafetensorsFile inter = Sd3Reference.open("transformer_intermediates.safetensors");
        Map<String, Double> diffs = new LinkedHashMap<>();
        NDArray out = model.forward(tensor(manager, f, "sample"), f.floats("timesteps"), tensor(manager, f, "encoder_hidden_states"),
                tensor(manager, f, "pooled_projections"), (name, value) -> {
                    if (name.equals("time_text_embed.time_proj")) diffs.put(name, maxAbsDiff(value, inter, name));
                });
        assertThat(diffs.get("time_text_embed.time_proj")).isLessThan(3e-5);
        assertThat(maxAbsDiff(out, f, "out")).isLessThan(3e-5);
    }

    @Test
    void predictsTheOddPatchGridWithTheAsymmetricPositionCrop() {
        SD3Transformer2DModel model = tiny(manager);
        SafetensorsFile f = Sd3Reference.open("transformer.safetensors");
        NDArray out = model.forward(tensor(manager, f, "odd_sample"), f.floats("odd_timesteps"),
                tensor(manager, f, "odd_encoder_hidden_states"), tensor(manager, f, "odd_pooled_projections"));
        assertThat(maxAbsDiff(out, f, "odd_out")).isLessThan(2e-5);
    }

    @Test
    void computedPositionTableIsTheStoredBuffer() {
        SD3Transformer2DModel model = tiny(manager);
        float[] stored = storedTable();
        float[] computed = PatchEmbed.sincosTable(32, 32, 4);
        assertThat(computed).hasSameSizeAs(stored);
        double max = 0;
        for (int i = 0; i < stored.length; i++) max = Math.max(max, Math.abs(computed[i] - stored[i]));
        assertThat(max).isLessThan(1e-6);
        // a random-weight model gets the same table, and does not count it as a parameter
        SD3Transformer2DModel random = new SD3Transformer2DModel(StateDict.random(manager, DataType.FLOAT32, 3), model.config());
        assertThat(random.parameterCount()).isEqualTo(model.parameterCount()).isEqualTo(129_168L);
        assertThat(model.parameters()).doesNotContainKey(SD3Transformer2DModel.POS_EMBED_BUFFER)
                .containsKeys("transformer_blocks.0.attn2.norm_q.weight", "transformer_blocks.1.attn.to_add_out.weight");
        assertThat(model.parameters()).doesNotContainKeys("transformer_blocks.2.attn.to_add_out.weight", "transformer_blocks.2.ff_context.net.2.weight");
    }

    static float[] storedTable() {
        return SafetensorsFile.open(Sd3Reference.tinyTransparency().resolve("transformer/diffusion_pytorch_model.safetensors"))
                .floats(SD3Transformer2DModel.POS_EMBED_BUFFER);
    }

    /** diffusers' counts from configs/parameter_counts.json (meta-device models built from the same configs). */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
            "transparency-sd35m-diffusion-ft, 2243269824",
            "transparency-sd35m-e2e, 2243171520",
            "stable-diffusion-3.5-medium, 2243171520",
            "stable-diffusion-3.5-large, 8056627520"})
    void fullSizeTransformerHasDiffusersParameterCount(String model, long parameters) throws IOException {
        Path configs = Sd3Reference.dir().resolve("configs");
        long expected = new ObjectMapper().readTree(configs.resolve("parameter_counts.json").toFile())
                .path(model + "/transformer").path("parameters").asLong();
        assertThat(expected).isEqualTo(parameters);
        SD3Transformer2DModelConfig config = SD3Transformer2DModelConfig.read(configs.resolve(model + "/transformer/config.json"));
        SD3Transformer2DModel t = new SD3Transformer2DModel(StateDict.shapesOnly(manager, DataType.FLOAT32), config);
        assertThat(t.parameterCount()).isEqualTo(expected);
    }

    @Test
    void refusesALatentThatIsNotAMultipleOfThePatchSize() {
        SD3Transformer2DModel model = tiny(manager);
        assertThatThrownBy(() -> model.forward(manager.zeros(new ai.djl.ndarray.types.Shape(1, 32, 9, 12)), new float[] {500},
                manager.zeros(new ai.djl.ndarray.types.Shape(1, 154, 32)), manager.zeros(new ai.djl.ndarray.types.Shape(1, 64))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9×12").hasMessageContaining("patch size 2");
    }

    @Test
    void aForwardPassLeavesNoActivationInTheCallersManager() {
        SD3Transformer2DModel model = tiny(manager);
        SafetensorsFile f = Sd3Reference.open("transformer.safetensors");
        try (NDManager call = manager.newSubManager()) {
            NDArray sample = tensor(call, f, "sample"), ehs = tensor(call, f, "encoder_hidden_states"), pooled = tensor(call, f, "pooled_projections");
            NDArray out = model.forward(sample, f.floats("timesteps"), ehs, pooled);
            assertThat(call.getManagedArrays()).containsExactlyInAnyOrder(sample, ehs, pooled, out);
        }
    }

    @Test
    void runsInHalfPrecisionWithinHalfRoundingOfTheReference() {
        SD3Transformer2DModel model = SD3Transformer2DModel.load(Sd3Reference.tinyTransparency().resolve("transformer"), null, manager,
                DataType.FLOAT16, false);
        SafetensorsFile f = Sd3Reference.open("transformer.safetensors");
        NDArray out = model.forward(tensor(manager, f, "sample"), f.floats("timesteps"), tensor(manager, f, "encoder_hidden_states"),
                tensor(manager, f, "pooled_projections"));
        assertThat(out.getDataType()).isEqualTo(DataType.FLOAT16);
        assertThat(maxAbsDiff(out, f, "out")).isLessThan(2e-2);
    }

    @Test
    void refusesACheckpointWhoseConfigDropsTheDualAttentionBlock(@TempDir Path dir) throws IOException {
        Path t = copyOfTinyTransformer(dir, cfg -> cfg.putArray("dual_attention_layers"));
        assertThatThrownBy(() -> SD3Transformer2DModel.load(t, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("transformer_blocks.0.norm1.linear.weight").hasMessageContaining("[288, 32]");
    }

    @Test
    void refusesAQkNormItDoesNotImplementNamingConfigJson(@TempDir Path dir) throws IOException {
        Path t = copyOfTinyTransformer(dir, cfg -> cfg.put("qk_norm", "layer_norm"));
        assertThatThrownBy(() -> SD3Transformer2DModel.load(t, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("config.json").hasMessageContaining("qk_norm");
    }

    @Test
    void refusesACheckpointWithoutQkNormWeightsWhenTheConfigAsksForThem(@TempDir Path dir) throws IOException {
        // the other way round: a config without qk_norm leaves the norm weights unused
        Path t = copyOfTinyTransformer(dir, cfg -> cfg.putNull("qk_norm"));
        assertThatThrownBy(() -> SD3Transformer2DModel.load(t, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("norm_");
    }

    /** The tiny transformer folder copied to {@code dir/transformer} with its config edited. */
    static Path copyOfTinyTransformer(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path src = Sd3Reference.tinyTransparency().resolve("transformer"), t = Files.createDirectories(dir.resolve("transformer"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        edit.accept(cfg);
        json.writeValue(t.resolve("config.json").toFile(), cfg);
        Files.copy(src.resolve("diffusion_pytorch_model.safetensors"), t.resolve("diffusion_pytorch_model.safetensors"));
        return t;
    }
}
