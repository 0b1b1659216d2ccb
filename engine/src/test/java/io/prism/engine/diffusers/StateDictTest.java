package io.prism.engine.diffusers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.Engines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateDictTest {
    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = Engines.pytorch(1).newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void handsOutCheckpointTensorsByNameWithTheirValues() {
        Path unet = MarigoldReference.tinyIid().resolve("unet");
        StateDict sd = StateDict.load(unet, null, manager, DataType.FLOAT32, false);
        NDArray w = sd.get("conv_in.weight", 32, 12, 3, 3);
        float[] expected = SafetensorsFile.open(unet.resolve("diffusion_pytorch_model.safetensors")).floats("conv_in.weight");
        assertThat(w.toFloatArray()).containsExactly(expected);
        assertThat(sd.parameterCount()).isEqualTo(32 * 12 * 9);
    }

    @Test
    void refusesAShapeThatDiffersFromTheConfigNamingTheTensor() {
        StateDict sd = StateDict.load(MarigoldReference.tinyIid().resolve("unet"), null, manager, DataType.FLOAT32, false);
        assertThatThrownBy(() -> sd.get("conv_in.weight", 32, 8, 3, 3))
                .isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("conv_in.weight").hasMessageContaining("[32, 12, 3, 3]");
    }

    @Test
    void refusesAMissingTensorAndTensorsNoBlockAskedFor() {
        StateDict sd = StateDict.load(MarigoldReference.tinyIid().resolve("unet"), null, manager, DataType.FLOAT32, false);
        assertThatThrownBy(() -> sd.get("conv_in.gamma", 32)).hasMessageContaining("missing tensor conv_in.gamma");
        sd.get("conv_in.weight", 32, 12, 3, 3);
        assertThatThrownBy(sd::requireAllUsed).isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("not used");
    }

    @Test
    void refusesATruncatedFileNamingIt(@TempDir Path dir) throws IOException {
        Path src = MarigoldReference.tinyIid().resolve("vae/diffusion_pytorch_model.safetensors");
        byte[] all = Files.readAllBytes(src);
        Path vae = Files.createDirectories(dir.resolve("vae"));
        Files.write(vae.resolve("diffusion_pytorch_model.safetensors"), java.util.Arrays.copyOf(all, all.length - 1000));
        assertThatThrownBy(() -> StateDict.load(vae, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("diffusion_pytorch_model.safetensors").hasMessageContaining("truncated");
    }

    @Test
    void refusesAFolderWithoutSafetensors(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("diffusion_pytorch_model.bin"), "pickle");
        assertThatThrownBy(() -> StateDict.load(dir, null, manager, DataType.FLOAT32, false))
                .hasMessageContaining("no safetensors weights").hasMessageContaining("pickle");
    }

    @Test
    void widensHalfAndBfloat16ExactlyAndPrefersTheRequestedVariant(@TempDir Path dir) throws IOException {
        // 1.5, -2.25 and 65504 are exact in both half formats' ranges; bf16 of 3.140625 is exact too
        write(dir.resolve("model.fp16.safetensors"), "F16", new short[] {0x3E00, (short) 0xC080, 0x7BFF});
        write(dir.resolve("model.safetensors"), "BF16", new short[] {0x4049, (short) 0xC010, 0x3FC0});
        StateDict half = StateDict.load(dir, "fp16", manager, DataType.FLOAT32, false);
        assertThat(half.get("w", 3).toFloatArray()).containsExactly(1.5f, -2.25f, 65504f);
        StateDict bf = StateDict.load(dir, null, manager, DataType.FLOAT32, false);
        assertThat(bf.get("w", 3).toFloatArray()).containsExactly(3.140625f, -2.25f, 1.5f);
    }

    @Test
    void readsAShardedCheckpointThroughItsIndex(@TempDir Path dir) throws IOException {
        write(dir.resolve("a.safetensors"), "BF16", new short[] {0x3FC0});
        Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"),
                "{\"weight_map\": {\"w\": \"a.safetensors\"}}");
        assertThat(StateDict.load(dir, null, manager, DataType.FLOAT32, false).get("w", 1).toFloatArray()).containsExactly(1.5f);
        Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"),
                "{\"weight_map\": {\"w\": \"a.safetensors\", \"v\": \"b.safetensors\"}}");
        assertThatThrownBy(() -> StateDict.load(dir, null, manager, DataType.FLOAT32, false)).hasMessageContaining("shard b.safetensors is missing");
    }

    @Test
    void randomWeightsCountParametersWithoutAFile() {
        StateDict sd = StateDict.random(manager, DataType.FLOAT32, 7);
        sd.get("a.weight", 4, 3, 3, 3);
        sd.get("a.bias", 4);
        assertThat(sd.parameterCount()).isEqualTo(4 * 27 + 4);
        assertThat(sd.parameters()).containsOnlyKeys("a.weight", "a.bias");
    }

    @Test
    void shapesOnlyHandsOutZeroViewsOfTheAskedShapesWithoutWeightMemory() {
        try (NDManager m = manager.newSubManager()) {
            StateDict sd = StateDict.shapesOnly(m, DataType.FLOAT32);
            NDArray w = sd.get("a.weight", 1280, 1280, 3, 3);
            assertThat(w.getShape().getShape()).containsExactly(1280, 1280, 3, 3);
            assertThat(w.get("7, 11").sum().getFloat()).isZero();
            assertThat(sd.parameterCount()).isEqualTo(1280L * 1280 * 9);
            sd.requireAllUsed();
        }
    }

    /** A one-tensor safetensors file named "w" with 16-bit values. */
    static void write(Path file, String dtype, short[] values) throws IOException {
        String header = "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + values.length + "],\"data_offsets\":[0," + 2 * values.length + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (short v : values) b.putShort(v);
        Files.write(file, b.array(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
