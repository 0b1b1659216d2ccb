package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.diffusers.StateDict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The UNet against diffusers' outputs on the tiny Marigold-IID checkpoint (random non-trivial weights, so a missing,
 * reordered or mis-wired layer moves the output far beyond the tolerance), and the full-size architecture's size.
 */
class UNet2DConditionModelTest {
    /** README: recommended float32 tolerance for unet.out / odd_out (5–15× the measured fp32-vs-fp64 noise). */
    static final double OUT_ATOL = 2e-5;
    /** Intermediates: ~1e-5 × max|reference|. */
    static final double INTERMEDIATE_RTOL = 1e-5;
    static final ObjectMapper JSON = new ObjectMapper();

    static NDManager manager;
    static boolean gradBefore;

    @BeforeAll
    static void engine() {
        manager = Engines.pytorch(1).newBaseManager();
        gradBefore = Engines.gradMode(false);
    }

    @AfterAll
    static void close() {
        Engines.gradMode(gradBefore);
        manager.close();
    }

    static Path unetDir() {
        return MarigoldReference.tinyIid().resolve("unet");
    }

    static float[] timesteps(SafetensorsFile f, String name) {
        long[] t = f.longs(name);
        float[] out = new float[t.length];
        for (int i = 0; i < t.length; i++) out[i] = t[i];
        return out;
    }

    @Test
    void matchesDiffusersOnANonSquareBatchWithTwoTimestepsBlockByBlock() {
        SafetensorsFile ref = MarigoldReference.open("unet.safetensors");
        SafetensorsFile inter = MarigoldReference.open("unet_intermediates.safetensors");
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(unetDir(), null, m, DataType.FLOAT32, false);
            Map<String, NDArray> got = new LinkedHashMap<>();
            NDArray out = unet.forward(MarigoldReference.tensor(m, ref, "sample"), timesteps(ref, "timesteps"),
                    MarigoldReference.tensor(m, ref, "encoder_hidden_states"), got);

            // in forward order, so the first failure is the first divergence
            assertThat(got.keySet()).containsExactlyElementsOf(inter.entries().keySet().stream()
                    .sorted((a, b) -> Integer.compare(order(a), order(b))).toList());
            for (String name : got.keySet()) {
                double tol = INTERMEDIATE_RTOL * MarigoldReference.maxAbs(inter, name);
                assertThat(MarigoldReference.maxAbsDiff(got.get(name), inter, name)).as(name).isLessThanOrEqualTo(tol);
            }
            assertThat(MarigoldReference.maxAbsDiff(out, ref, "out")).as("out").isLessThanOrEqualTo(OUT_ATOL);
            assertThat(MarigoldReference.maxAbs(ref, "out")).as("reference has unit scale").isGreaterThan(1);
        }
    }

    /** Position of an intermediate in the forward pass. */
    static int order(String name) {
        List<String> stages = List.of("time_proj", "time_embedding", "conv_in", "down_blocks", "mid_block", "up_blocks",
                "conv_norm_out", "conv_out");
        String stage = name.replaceAll("\\.\\d+$", "");
        int idx = name.matches(".*\\.\\d+$") ? Integer.parseInt(name.substring(name.lastIndexOf('.') + 1)) : 0;
        return stages.indexOf(stage) * 100 + idx;
    }

    @Test
    void upsamplesToTheSkipSizesWhenTheLatentIsNotAMultipleOfTheUpFactor() {
        SafetensorsFile ref = MarigoldReference.open("unet.safetensors");
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(unetDir(), null, m, DataType.FLOAT32, false);
            NDArray out = unet.forward(MarigoldReference.tensor(m, ref, "odd_sample"), timesteps(ref, "odd_timesteps"),
                    MarigoldReference.tensor(m, ref, "odd_encoder_hidden_states"));
            assertThat(MarigoldReference.maxAbsDiff(out, ref, "odd_out")).isLessThanOrEqualTo(OUT_ATOL);
        }
    }

    @Test
    void freesEveryIntermediateOfTheForwardPass() {
        SafetensorsFile ref = MarigoldReference.open("unet.safetensors");
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(unetDir(), null, m, DataType.FLOAT32, false);
            try (NDManager call = m.newSubManager()) {
                NDArray sample = MarigoldReference.tensor(call, ref, "sample");
                NDArray text = MarigoldReference.tensor(call, ref, "encoder_hidden_states");
                int before = call.getManagedArrays().size();
                NDArray out = unet.forward(sample, timesteps(ref, "timesteps"), text);
                // only the result is added to the caller's manager; the inputs are back where they were
                assertThat(call.getManagedArrays()).hasSize(before + 1).contains(out, sample, text);
            }
        }
    }

    @Test
    void fullSizeMarigoldIidConfigHasTheDiffusersParameterCount() {
        Path config = MarigoldReference.dir().resolve("configs/marigold-iid-appearance-v1-1/unet/config.json");
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(config);
        assertThat(cfg.numAttentionHeads()).containsExactly(5, 10, 20, 20);
        try (NDManager m = manager.newSubManager()) {
            // shapes only: StateDict.random allocates the 3.5 GB of weights, which takes ~90 s on the 2-core build box
            UNet2DConditionModel unet = new UNet2DConditionModel(StateDict.shapesOnly(m, DataType.FLOAT32), cfg);
            assertThat(unet.parameterCount()).isEqualTo(865_945_288L);
            assertThat(unet.parameters()).containsKeys("conv_in.weight", "up_blocks.3.attentions.2.proj_out.bias");
        }
    }

    /**
     * At a 1×1 latent every level is 1×1, so each conv and linear does exactly one multiply-add per weight element (the
     * cross-attention k/v once per text token) and each attention adds 2 × inner for q·kᵀ and softmax·v per key.
     */
    @Test
    void flopsAtOnePixelAreTwicePerWeightPlusTheAttentionMatmuls() {
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(unetDir(), null, m, DataType.FLOAT32, false);
            int text = 3;
            double expected = 0;
            for (Map.Entry<String, NDArray> p : unet.parameters().entrySet()) {
                long[] shape = p.getValue().getShape().getShape();
                if (shape.length < 2) continue;                                     // norms and biases: not counted
                long uses = p.getKey().matches(".*attn2\\.to_[kv]\\.weight") ? text : 1;
                expected += 2.0 * p.getValue().getShape().size() * uses;
                if (p.getKey().endsWith("attn1.to_q.weight")) expected += 4.0 * shape[0];          // 1 key
                if (p.getKey().endsWith("attn2.to_q.weight")) expected += 4.0 * shape[0] * text;   // text keys
            }
            assertThat(unet.flopsPerForward(1, 1, text)).isEqualTo(expected);   // integers below 2^53: exact
        }
    }

    /**
     * SD1-style {@code use_linear_projection: false}: proj_in/proj_out are 1×1 convolutions before/after the token
     * reshape. With the fixture's Linear weights stored as (C, C, 1, 1) the maths is the same, so diffusers' output
     * must come out again.
     */
    @Test
    void oneByOneConvProjectionsComputeWhatLinearProjectionsDo(@TempDir Path dir) throws IOException {
        Path unet = copyOfTinyUnet(dir);
        ObjectNode cfg = (ObjectNode) JSON.readTree(unet.resolve("config.json").toFile());
        cfg.put("use_linear_projection", false);
        JSON.writeValue(unet.resolve("config.json").toFile(), cfg);
        rewrite(unet.resolve("diffusion_pytorch_model.safetensors"), e -> e.name().matches(".*\\.proj_(in|out)\\.weight")
                ? Map.of(e.name(), new long[] {e.shape()[0], e.shape()[1], 1, 1}) : Map.of(e.name(), e.shape()));
        SafetensorsFile ref = MarigoldReference.open("unet.safetensors");
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel conv = UNet2DConditionModel.load(unet, null, m, DataType.FLOAT32, false);
            assertThat(conv.parameters().get("mid_block.attentions.0.proj_in.weight").getShape().dimension()).isEqualTo(4);
            NDArray out = conv.forward(MarigoldReference.tensor(m, ref, "sample"), timesteps(ref, "timesteps"),
                    MarigoldReference.tensor(m, ref, "encoder_hidden_states"));
            assertThat(MarigoldReference.maxAbsDiff(out, ref, "out")).isLessThanOrEqualTo(OUT_ATOL);
        }
    }

    /**
     * diffusers' defaults are SD1's architecture (attention_head_dim 8 = 8 heads, 1×1-conv projections); with SD1's
     * 768-wide text it is SD 1.x's UNet: 865,910,724 (SD2) − 2 × 12,480 × (1024 − 768) attn2 k/v weights.
     */
    @Test
    void absentKeysTakeDiffusersDefaultsWhichDescribeStableDiffusion1(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"cross_attention_dim\": 768, \"some_future_key\": [1, 2]}");
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(config);
        assertThat(cfg.numAttentionHeads()).containsExactly(8, 8, 8, 8);
        assertThat(cfg.useLinearProjection()).isFalse();
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel unet = new UNet2DConditionModel(StateDict.shapesOnly(m, DataType.FLOAT32), cfg);
            assertThat(unet.parameterCount()).isEqualTo(859_520_964L);
        }
    }

    @Test
    void expandsPerBlockSettingsAndReversesThemForTheUpBlocks(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
                {"block_out_channels": [32, 64, 96], "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
                 "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"], "layers_per_block": [1, 2, 3],
                 "transformer_layers_per_block": [1, 2, 4], "attention_head_dim": [1, 2, 3], "cross_attention_dim": 16,
                 "only_cross_attention": [false, true, false]}""");
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(config);
        assertThat(cfg.transformerLayersPerBlock()).containsExactly(List.of(1), List.of(2, 2), List.of(4, 4, 4));
        assertThat(cfg.reverseTransformerLayersPerBlock()).containsExactly(List.of(4, 4, 4, 4), List.of(2, 2, 2), List.of(1, 1));
        assertThat(cfg.midBlockTransformerLayers()).isEqualTo(4);
        assertThat(cfg.crossAttentionDim()).containsExactly(16, 16, 16);
        try (NDManager m = manager.newSubManager()) {
            UNet2DConditionModel unet = new UNet2DConditionModel(StateDict.shapesOnly(m, DataType.FLOAT32), cfg);
            Map<String, NDArray> p = unet.parameters();
            assertThat(p).containsKeys("up_blocks.0.attentions.3.transformer_blocks.3.ff.net.2.bias",
                    "up_blocks.1.resnets.2.conv1.weight", "mid_block.attentions.0.transformer_blocks.3.norm3.weight")
                    .doesNotContainKeys("up_blocks.0.attentions.4.norm.weight", "up_blocks.2.attentions.0.norm.weight");
            // only_cross_attention: attn1 reads the text too (block 1 down, its mirror up_blocks.1)
            assertThat(p.get("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k.weight").getShape().get(1)).isEqualTo(16);
            assertThat(p.get("up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k.weight").getShape().get(1)).isEqualTo(16);
            assertThat(p.get("down_blocks.2.attentions.0.transformer_blocks.0.attn1.to_k.weight").getShape().get(1)).isEqualTo(96);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "down_block_types|[\"CrossAttnDownBlock2D\", \"SimpleCrossAttnDownBlock2D\", \"DownBlock2D\"]|SimpleCrossAttnDownBlock2D",
            "up_block_types|[\"UpBlock2D\", \"AttnUpBlock2D\", \"CrossAttnUpBlock2D\"]|AttnUpBlock2D",
            "mid_block_type|\"UNetMidBlock2D\"|UNetMidBlock2D",
            "class_embed_type|\"timestep\"|class_embed_type",
            "addition_embed_type|\"text_time\"|addition_embed_type",
            "time_embedding_type|\"fourier\"|fourier",
            "resnet_time_scale_shift|\"scale_shift\"|scale_shift",
            "num_attention_heads|[2, 4, 4]|num_attention_heads",
            "attention_head_dim|[2, 3, 4]|attention_head_dim",
    })
    void refusesASettingThatIsNotImplementedNamingConfigJsonAndTheKey(String key, String json, String named, @TempDir Path dir)
            throws IOException {
        Path unet = copyOfTinyUnet(dir);
        ObjectNode cfg = (ObjectNode) JSON.readTree(unet.resolve("config.json").toFile());
        cfg.set(key, JSON.readTree(json));
        JSON.writeValue(unet.resolve("config.json").toFile(), cfg);
        assertThatThrownBy(() -> UNet2DConditionModel.load(unet, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("config.json").hasMessageContaining(key).hasMessageContaining(named);
    }

    @Test
    void refusesACheckpointWithATensorRemovedNamingIt(@TempDir Path dir) throws IOException {
        Path unet = copyOfTinyUnet(dir);
        String removed = "up_blocks.2.attentions.1.transformer_blocks.0.attn2.to_v.weight";
        rewrite(unet.resolve("diffusion_pytorch_model.safetensors"),
                e -> e.name().equals(removed) ? Map.of() : Map.of(e.name(), e.shape()));
        assertThatThrownBy(() -> UNet2DConditionModel.load(unet, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("missing tensor " + removed);
    }

    @Test
    void refusesACheckpointWithALayerTheConfigDoesNotDescribe(@TempDir Path dir) throws IOException {
        Path unet = copyOfTinyUnet(dir);
        // a second transformer layer the config (transformer_layers_per_block 1) does not have
        String extra = "down_blocks.0.attentions.0.transformer_blocks.1.norm1.weight";
        rewrite(unet.resolve("diffusion_pytorch_model.safetensors"),
                e -> e.name().equals("down_blocks.0.attentions.0.transformer_blocks.0.norm1.weight")
                        ? Map.of(e.name(), e.shape(), extra, e.shape()) : Map.of(e.name(), e.shape()));
        assertThatThrownBy(() -> UNet2DConditionModel.load(unet, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("not used").hasMessageContaining(extra);
    }

    /** A copy of the tiny UNet folder to alter. */
    static Path copyOfTinyUnet(Path dir) throws IOException {
        Path unet = Files.createDirectories(dir.resolve("unet"));
        for (String f : List.of("config.json", "diffusion_pytorch_model.safetensors")) Files.copy(unetDir().resolve(f), unet.resolve(f));
        return unet;
    }

    /**
     * Rewrites the tiny UNet's weights into {@code dst} (a valid safetensors file with contiguous offsets): each
     * tensor's bytes are written under every (name, shape) that {@code edit} returns for it — none removes it.
     */
    static void rewrite(Path dst, Function<SafetensorsFile.Entry, Map<String, long[]>> edit) throws IOException {
        Files.deleteIfExists(dst);
        SafetensorsFile f = SafetensorsFile.open(unetDir().resolve("diffusion_pytorch_model.safetensors"));
        ObjectNode header = JSON.createObjectNode();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (SafetensorsFile.Entry e : f.entries().values()) {
            for (Map.Entry<String, long[]> out : new java.util.TreeMap<>(edit.apply(e)).entrySet()) {
                put(header, data, out.getKey(), out.getValue(), e, f);
            }
        }
        byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(len.array());
        all.write(h);
        data.writeTo(all);
        Files.write(dst, all.toByteArray());
    }

    static void put(ObjectNode header, ByteArrayOutputStream data, String name, long[] shape, SafetensorsFile.Entry e,
                    SafetensorsFile f) throws IOException {
        ObjectNode t = header.putObject(name);
        t.put("dtype", e.dtype());
        for (long d : shape) t.withArray("shape").add(d);
        t.withArray("data_offsets").add(data.size()).add(data.size() + (e.end() - e.begin()));
        Channels.newChannel(data).write(f.bytes(e));
    }
}
