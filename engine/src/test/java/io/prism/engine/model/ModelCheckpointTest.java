package io.prism.engine.model;

import ai.djl.ndarray.NDManager;
import io.prism.engine.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCheckpointTest {

    static ModelCheckpoint tiny(String task) {
        ModelSpec spec = ModelSpec.compact("tiny-" + task, task, 2, List.of(8, 16), 4, 32);
        try (NDManager m = Engines.pytorch(1).newBaseManager(); UNetDenoiser d = new UNetDenoiser(spec.unet(), m)) {
            d.initialise(7);
            return new ModelCheckpoint(spec, d.exportWeights());
        }
    }

    @Test
    void saveThenLoadRoundTripsSpecAndWeightsWithChecksums(@TempDir Path dir) throws Exception {
        ModelCheckpoint ck = tiny("albedo");
        ck.save(dir.resolve("m"));
        assertThat(Files.readString(dir.resolve("m/model.json"))).contains("\"task\" : \"albedo\"", "\"timestepSpacing\" : \"trailing\"",
                "\"predictionType\" : \"v_prediction\"", "\"weights.safetensors\" : \"");
        ModelCheckpoint back = ModelCheckpoint.load(dir.resolve("m"));
        assertThat(back.spec().unet()).isEqualTo(ck.spec().unet());
        assertThat(back.spec().files().get("weights.safetensors")).isEqualTo(ModelCheckpoint.sha256(dir.resolve("m/weights.safetensors")));
        for (Map.Entry<String, FloatTensor> e : ck.weights().entrySet()) {
            assertThat(back.weights().get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());
        }
        // the loaded weights build a network that gives the same output as before saving
        assertThat(back.parameterCount()).isEqualTo(ck.parameterCount()).isGreaterThan(1000);
    }

    @Test
    void aMissingWeightFileIsReportedByName(@TempDir Path dir) throws Exception {
        tiny("mask").save(dir.resolve("m"));
        Files.delete(dir.resolve("m/weights.safetensors"));
        assertThatThrownBy(() -> ModelCheckpoint.load(dir.resolve("m")))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("missing weight file weights.safetensors");
    }

    @Test
    void aCorruptedWeightFileFailsItsChecksum(@TempDir Path dir) throws Exception {
        tiny("albedo").save(dir.resolve("m"));
        Path w = dir.resolve("m/weights.safetensors");
        byte[] b = Files.readAllBytes(w);
        b[b.length - 3] ^= 0x40;                                         // one flipped bit in the last tensor
        Files.write(w, b);
        assertThatThrownBy(() -> ModelCheckpoint.load(dir.resolve("m")))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("corrupt").hasMessageContaining("SHA-256");
    }

    @Test
    void aFolderWithoutModelJsonOrWithBadJsonIsRefused(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ModelCheckpoint.load(dir)).hasMessageContaining("model.json does not exist");
        Files.writeString(dir.resolve("model.json"), "{\"task\": \"depth\"}");
        assertThatThrownBy(() -> ModelCheckpoint.load(dir)).hasMessageContaining("malformed");
    }

    @Test
    void convInWithFewerInputChannelsIsDuplicatedAndDivided() {
        // (out=2, in=2, 1, 1) → in=6: three copies, each divided by 3
        FloatTensor t = new FloatTensor(new long[] {2, 2, 1, 1}, new float[] {3, 6, 9, 12});
        float[] e = UNetDenoiser.expandInputChannels(t, new long[] {2, 6, 1, 1});
        assertThat(e).containsExactly(1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4);
        assertThatThrownBy(() -> UNetDenoiser.expandInputChannels(t, new long[] {2, 5, 1, 1})).hasMessageContaining("cannot expand");
    }

    @Test
    void safetensorsFilesAreReadableByTheFormatsRules(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, Map.of("a", new FloatTensor(new long[] {2, 2}, new float[] {1, 2, 3, 4})), Map.of("k", "v"));
        byte[] b = Files.readAllBytes(f);
        long n = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat((8 + n) % 8).isZero();
        String header = new String(b, 8, (int) n);
        assertThat(header).contains("\"dtype\":\"F32\"", "\"shape\":[2,2]", "\"data_offsets\":[0,16]", "\"__metadata__\"");
        assertThat(Safetensors.read(f).get("a").data()).containsExactly(1, 2, 3, 4);
        Files.write(f, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessageContaining("not a safetensors file");
    }
}
