package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.diffusers.StateDict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.prism.engine.diffusers.MarigoldReference.maxAbs;
import static io.prism.engine.diffusers.MarigoldReference.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SD2's CLIP text encoder against transformers (tiny-iid, text*.safetensors; tolerances from the fixture README). */
class CLIPTextModelTest {
    static final double TEXT_ATOL = 1e-6;
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

    static Path textEncoder() {
        return MarigoldReference.tinyIid().resolve("text_encoder");
    }

    @Test
    void emptyPromptLastHiddenStateMatchesTransformers() {
        SafetensorsFile text = MarigoldReference.open("text.safetensors");
        try (NDManager m = manager.newSubManager()) {
            CLIPTextModel model = CLIPTextModel.load(textEncoder(), null, m, DataType.FLOAT32);
            NDArray out = model.encode(text.longs("input_ids"));
            assertThat(maxAbsDiff(out, text, "last_hidden_state")).isLessThan(TEXT_ATOL);
        }
    }

    @Test
    void eightTokenPromptMatchesTransformersUnderTheCausalMask() {
        SafetensorsFile text = MarigoldReference.open("text.safetensors");
        try (NDManager m = manager.newSubManager()) {
            CLIPTextModel model = CLIPTextModel.load(textEncoder(), null, m, DataType.FLOAT32);
            long[] ids = text.longs("prompt_input_ids");
            NDArray out = model.encode(ids);
            assertThat(maxAbsDiff(out, text, "prompt_last_hidden_state")).isLessThan(TEXT_ATOL);
            // causality: the first two tokens' states do not depend on what follows them
            NDArray prefix = model.encode(new long[] {ids[0], ids[1]});
            assertThat(prefix.sub(out.get(":, 0:2, :")).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }

    @Test
    void runsInFloat16WithinHalfPrecision() {
        // fp16 weights and activations end to end (the causal mask is built in the activations dtype)
        SafetensorsFile text = MarigoldReference.open("text.safetensors");
        try (NDManager m = manager.newSubManager()) {
            CLIPTextModel model = CLIPTextModel.load(textEncoder(), null, m, DataType.FLOAT16);
            NDArray out = model.encode(text.longs("prompt_input_ids"));
            assertThat(out.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(maxAbsDiff(out, text, "prompt_last_hidden_state")).isLessThan(5e-3);
        }
    }

    @Test
    void everyLayerMatchesTransformersIntermediates() {
        SafetensorsFile ref = MarigoldReference.open("text_intermediates.safetensors");
        long[] ids = MarigoldReference.open("text.safetensors").longs("input_ids");
        try (NDManager m = manager.newSubManager()) {
            CLIPTextModel model = CLIPTextModel.load(textEncoder(), null, m, DataType.FLOAT32);
            CLIPTextTransformer.Output o = model.forward(m.create(new long[][] {ids}));
            assertThat(o.hiddenStates()).hasSize(3);
            String[] names = {"text_model.embeddings", "text_model.encoder.layers.0", "text_model.encoder.layers.1"};
            for (int i = 0; i < names.length; i++) {
                assertThat(maxAbsDiff(o.hiddenStates().get(i), ref, names[i])).as(names[i]).isLessThan(1e-5 * maxAbs(ref, names[i]));
            }
            assertThat(maxAbsDiff(o.lastHiddenState(), ref, "text_model.final_layer_norm")).isLessThan(TEXT_ATOL);
            // legacy eos_token_id 2: the pooled state is the one at the largest id (EOS, position 1)
            assertThat(o.pooledOutput().getShape().getShape()).containsExactly(1, 32);
            assertThat(o.pooledOutput().sub(o.lastHiddenState().get(0, 1)).abs().max().getFloat()).isZero();
        }
    }

    @Test
    void quickGeluInsteadOfExactGeluFallsFarOutsideTheTolerance() {
        // the tolerance argument: SD1's activation on SD2's weights must fail the 1e-6 check by orders of magnitude
        SafetensorsFile text = MarigoldReference.open("text.safetensors");
        CLIPTextConfig c = CLIPTextConfig.load(textEncoder());
        CLIPTextConfig wrong = new CLIPTextConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.projectionDim(),
                c.numHiddenLayers(), c.numAttentionHeads(), c.maxPositionEmbeddings(), "quick_gelu", c.layerNormEps(),
                c.eosTokenId(), c.architectures());
        try (NDManager m = manager.newSubManager()) {
            CLIPTextModel model = new CLIPTextModel(wrong, StateDict.load(textEncoder(), null, m, DataType.FLOAT32, false));
            double diff = maxAbsDiff(model.encode(text.longs("input_ids")), text, "last_hidden_state");
            assertThat(diff).isGreaterThan(100 * TEXT_ATOL);
        }
    }

    @Test
    void fullSizeSd2TextEncoderHasTheReferenceParameterCount() {
        Path config = MarigoldReference.dir().resolve("configs/marigold-iid-appearance-v1-1/text_encoder");
        try (NDManager m = manager.newSubManager()) {
            StateDict sd = StateDict.random(m, DataType.FLOAT32, 7);
            new CLIPTextModel(CLIPTextConfig.load(config), sd);
            assertThat(sd.parameterCount()).isEqualTo(340_387_840L);
        }
    }

    @Test
    void refusesAnActivationItDoesNotImplementNamingConfigJson(@TempDir Path dir) throws IOException {
        String json = Files.readString(textEncoder().resolve("config.json")).replace("\"gelu\"", "\"relu\"");
        Files.writeString(dir.resolve("config.json"), json);
        assertThatThrownBy(() -> CLIPTextConfig.load(dir)).isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("config.json").hasMessageContaining("hidden_act 'relu'");
    }

    @Test
    void refusesAProjectionTheArchitectureDoesNotHave() {
        Path clipL = CLIPTokenizerTest.sd3Dir().resolve("tiny-transparency/text_encoder");
        try (NDManager m = manager.newSubManager()) {
            assertThatThrownBy(() -> CLIPTextModel.load(clipL, null, m, DataType.FLOAT32))
                    .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("text_projection.weight");
        }
    }

    @Test
    void acceptsThePositionIdsBufferOlderTransformersSaved(@TempDir Path dir) throws IOException {
        // SD1/SD2-era text encoders hold text_model.embeddings.position_ids (I64 [1, 77]); transformers drops it on load
        Files.copy(textEncoder().resolve("config.json"), dir.resolve("config.json"));
        SafetensorsFile src = SafetensorsFile.open(textEncoder().resolve("model.safetensors"));
        Map<String, Object[]> tensors = new LinkedHashMap<>();   // name → {dtype, shape, little-endian bytes}
        ByteBuffer positions = ByteBuffer.allocate(77 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < 77; i++) positions.putLong(i);
        tensors.put("text_model.embeddings.position_ids", new Object[] {"I64", new long[] {1, 77}, positions.array()});
        for (SafetensorsFile.Entry e : src.entries().values()) {
            ByteBuffer b = src.bytes(e);
            byte[] data = new byte[b.remaining()];
            b.get(data);
            tensors.put(e.name(), new Object[] {e.dtype(), e.shape(), data});
        }
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        long[] ids = MarigoldReference.open("text.safetensors").longs("prompt_input_ids");
        try (NDManager m = manager.newSubManager()) {
            float[] withBuffer = CLIPTextModel.load(dir, null, m, DataType.FLOAT32).encode(ids).toFloatArray();
            float[] without = CLIPTextModel.load(textEncoder(), null, m, DataType.FLOAT32).encode(ids).toFloatArray();
            assertThat(withBuffer).containsExactly(without);
        }
    }

    /** A safetensors file of mixed dtypes (the project's writer only writes F32). */
    static void writeSafetensors(Path file, Map<String, Object[]> tensors) throws IOException {
        ObjectNode header = new ObjectMapper().createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Object[]> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", (String) e.getValue()[0]);
            ArrayNode shape = t.putArray("shape");
            for (long d : (long[]) e.getValue()[1]) shape.add(d);
            long n = ((byte[]) e.getValue()[2]).length;
            t.putArray("data_offsets").add(offset).add(offset + n);
            offset += n;
        }
        byte[] h = new ObjectMapper().writeValueAsBytes(header);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (Object[] t : tensors.values()) out.write((byte[]) t[2]);
        }
    }
}
