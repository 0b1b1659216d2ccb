package io.prism.engine.diffusers.models.autoencoders;

import io.prism.engine.diffusers.InferenceTest;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import static io.prism.engine.diffusers.MarigoldReference.maxAbs;
import static io.prism.engine.diffusers.MarigoldReference.maxAbsDiff;
import static io.prism.engine.diffusers.MarigoldReference.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * AutoencoderKL against diffusers' own outputs on the tiny random-weight checkpoints of the Marigold (SD2 VAE, 4
 * latent channels, quant convs) and SD3 (16 channels, shift factor, no quant convs) fixtures, at the fixtures' README
 * tolerances; block outputs at 1e-5 × max|reference| to locate a divergence.
 */
class AutoencoderKLTest extends InferenceTest {

    static Path sd3Dir() {
        Path dir = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "sd3-reference");
        assumeTrue(Files.isDirectory(dir), "SD3 reference fixtures not found at " + dir.toAbsolutePath());
        return dir;
    }

    @Test
    void encodesAndDecodesTheMarigoldFixtureAsDiffusers() {
        AutoencoderKL vae = AutoencoderKL.load(MarigoldReference.tinyIid().resolve("vae"), null, manager, DataType.FLOAT32, false);
        SafetensorsFile f = MarigoldReference.open("vae.safetensors");
        SafetensorsFile inter = MarigoldReference.open("vae_intermediates.safetensors");
        Map<String, Double> blockDiffs = new LinkedHashMap<>();
        BiConsumer<String, NDArray> probe = comparingTo(inter, blockDiffs);

        DiagonalGaussian posterior = vae.encode(tensor(manager, f, "image"), probe);
        assertThat(maxAbsDiff(posterior.mean(), f, "posterior_mean")).isLessThan(1e-5);
        assertThat(maxAbsDiff(posterior.logvar(), f, "posterior_logvar")).isLessThan(1e-5);
        assertThat(maxAbsDiff(vae.toLatent(posterior.mean()), f, "latent")).isLessThan(2e-6);

        NDArray decoded = vae.decode(vae.fromLatent(tensor(manager, f, "latent")), probe);
        assertThat(maxAbsDiff(decoded, f, "decoded")).isLessThan(2e-5);
        assertThat(blockDiffs).containsOnlyKeys(inter.entries().keySet());
        assertThat(vae.scaleFactor()).isEqualTo(2);
    }

    @Test
    void encodesSamplesAndDecodesTheSd3FixtureWithItsShiftFactor() {
        Path dir = sd3Dir();
        AutoencoderKL vae = AutoencoderKL.load(dir.resolve("tiny-transparency/vae"), null, manager, DataType.FLOAT32, false);
        assertThat(vae.config().latentChannels()).isEqualTo(16);
        assertThat(vae.config().shiftFactor()).isEqualTo(0.0609);
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("vae.safetensors"));
        SafetensorsFile inter = SafetensorsFile.open(dir.resolve("vae_intermediates.safetensors"));
        Map<String, Double> blockDiffs = new LinkedHashMap<>();
        BiConsumer<String, NDArray> probe = comparingTo(inter, blockDiffs);

        DiagonalGaussian posterior = vae.encode(tensor(manager, f, "image"), probe);
        assertThat(maxAbsDiff(posterior.mean(), f, "posterior_mean")).isLessThan(1e-5);
        assertThat(maxAbsDiff(posterior.logvar(), f, "posterior_logvar")).isLessThan(1e-5);
        assertThat(maxAbsDiff(posterior.std(), f, "posterior_std")).isLessThan(1e-5);
        NDArray sample = posterior.sample(tensor(manager, f, "encode_noise"));
        assertThat(maxAbsDiff(sample, f, "latent_sample")).isLessThan(1e-5);
        assertThat(maxAbsDiff(vae.toLatent(sample), f, "latent_scaled")).isLessThan(2e-5);
        assertThat(maxAbsDiff(vae.toLatent(posterior.mean()), f, "latent_mode_scaled")).isLessThan(2e-5);
        // the pipeline's unscaling alone, on the reference's own latent: float32 rounding only
        assertThat(maxAbsDiff(vae.fromLatent(tensor(manager, f, "latent_scaled")), f, "decoder_input")).isLessThan(1e-6);

        NDArray decoded = vae.decode(tensor(manager, f, "decoder_input"), probe);
        assertThat(maxAbsDiff(decoded, f, "decoded")).isLessThan(2e-5);
        assertThat(blockDiffs).containsOnlyKeys(inter.entries().keySet());
    }

    @Test
    void aForwardPassLeavesNoBlockActivationInTheCallersManager() {
        AutoencoderKL vae = AutoencoderKL.load(MarigoldReference.tinyIid().resolve("vae"), null, manager, DataType.FLOAT32, false);
        SafetensorsFile f = MarigoldReference.open("vae.safetensors");
        try (NDManager call = manager.newSubManager()) {
            vae.decode(vae.encode(tensor(call, f, "image")).mean());
            // what may remain: the image, the moments and their halves, the decoded image (≤ 8 channels, plus DJL's
            // scalar clamp bounds); every block activation of the tiny VAE has 32 or 64 channels
            assertThat(call.getManagedArrays()).isNotEmpty().allSatisfy(a ->
                    assertThat(a.getShape().dimension() < 2 || a.getShape().get(1) <= 8).as(a.getShape().toString()).isTrue());
        }
    }

    @Test
    void runsInHalfPrecisionWithinHalfRoundingOfTheReference() {
        AutoencoderKL vae = AutoencoderKL.load(MarigoldReference.tinyIid().resolve("vae"), null, manager, DataType.FLOAT16, false);
        SafetensorsFile f = MarigoldReference.open("vae.safetensors");
        DiagonalGaussian posterior = vae.encode(tensor(manager, f, "image"));   // float32 input: cast to the weights' dtype
        assertThat(posterior.mean().getDataType()).isEqualTo(DataType.FLOAT16);
        // fp16 keeps ~3 decimal digits; over ~20 layers the error measured 2e-3 (mean, max 1.8) and 4e-3 (decoded, max 1.9)
        assertThat(maxAbsDiff(posterior.mean(), f, "posterior_mean")).isLessThan(1e-2);
        assertThat(maxAbsDiff(vae.decode(vae.fromLatent(tensor(manager, f, "latent"))), f, "decoded")).isLessThan(1e-2);
    }

    /** Compares every block output the fixture has at 1e-5 × its max |value| and records the difference. */
    static BiConsumer<String, NDArray> comparingTo(SafetensorsFile inter, Map<String, Double> diffs) {
        return (name, value) -> {
            if (!inter.entries().containsKey(name)) return;
            double diff = maxAbsDiff(value, inter, name);
            assertThat(diff).as(name).isLessThan(1e-5 * maxAbs(inter, name));
            diffs.put(name, diff);
        };
    }

    @Test
    void fullSizeMarigoldVaeHasDiffusersParameterCount() {
        Path config = MarigoldReference.dir().resolve("configs/marigold-iid-appearance-v1-1/vae/config.json");
        AutoencoderKL vae = new AutoencoderKL(StateDict.random(manager, DataType.FLOAT32, 1), AutoencoderKLConfig.read(config));
        assertThat(vae.parameterCount()).isEqualTo(83_653_863L);
        assertThat(vae.scaleFactor()).isEqualTo(8);
        assertThat(vae.parameters()).containsKeys("quant_conv.weight", "decoder.up_blocks.3.resnets.2.conv2.weight");
    }

    @Test
    void fullSizeSd35VaeHasDiffusersParameterCount() {
        Path config = sd3Dir().resolve("configs/stable-diffusion-3.5-medium/vae/config.json");
        AutoencoderKL vae = new AutoencoderKL(StateDict.random(manager, DataType.FLOAT32, 1), AutoencoderKLConfig.read(config));
        assertThat(vae.parameterCount()).isEqualTo(83_819_683L);
        assertThat(vae.parameters()).doesNotContainKeys("quant_conv.weight", "post_quant_conv.weight");
    }

    @Test
    void refusesAnUnknownBlockTypeNamingConfigJson(@TempDir Path dir) throws IOException {
        Path vae = copyOfTinyVae(dir, cfg -> cfg.withArray("up_block_types").set(1, "AttnUpDecoderBlock2D"));
        assertThatThrownBy(() -> AutoencoderKL.load(vae, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("config.json").hasMessageContaining("up_block_types").hasMessageContaining("AttnUpDecoderBlock2D");
    }

    @Test
    void refusesAnActivationOtherThanSilu(@TempDir Path dir) throws IOException {
        Path vae = copyOfTinyVae(dir, cfg -> cfg.put("act_fn", "gelu"));
        assertThatThrownBy(() -> AutoencoderKL.load(vae, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("config.json").hasMessageContaining("act_fn");
    }

    @Test
    void refusesQuantConvWeightsTheConfigDoesNotUse(@TempDir Path dir) throws IOException {
        Path vae = copyOfTinyVae(dir, cfg -> cfg.put("use_quant_conv", false));
        assertThatThrownBy(() -> AutoencoderKL.load(vae, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("not used").hasMessageContaining("quant_conv");
    }

    @Test
    void refusesACheckpointWithATensorRemoved(@TempDir Path dir) throws IOException {
        Path vae = copyOfTinyVae(dir, cfg -> {});
        Path weights = vae.resolve("diffusion_pytorch_model.safetensors");
        writeWithout(MarigoldReference.tinyIid().resolve("vae/diffusion_pytorch_model.safetensors"), weights,
                "decoder.mid_block.attentions.0.to_k.bias");
        assertThatThrownBy(() -> AutoencoderKL.load(vae, null, manager, DataType.FLOAT32, false))
                .isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("missing tensor decoder.mid_block.attentions.0.to_k.bias");
    }

    /** The tiny Marigold VAE folder copied to {@code dir/vae} with its config edited. */
    static Path copyOfTinyVae(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path src = MarigoldReference.tinyIid().resolve("vae"), vae = Files.createDirectories(dir.resolve("vae"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        edit.accept(cfg);
        json.writeValue(vae.resolve("config.json").toFile(), cfg);
        Files.copy(src.resolve("diffusion_pytorch_model.safetensors"), vae.resolve("diffusion_pytorch_model.safetensors"));
        return vae;
    }

    /** Rewrites a safetensors file without tensor {@code drop} (a valid file: contiguous offsets, padded header). */
    static void writeWithout(Path src, Path dst, String drop) throws IOException {
        SafetensorsFile in = SafetensorsFile.open(src);
        Map<String, Object> header = new LinkedHashMap<>();
        List<ByteBuffer> data = new ArrayList<>();
        long offset = 0;
        for (SafetensorsFile.Entry e : in.entries().values()) {
            if (e.name().equals(drop)) continue;
            long size = e.end() - e.begin();
            header.put(e.name(), Map.of("dtype", e.dtype(), "shape", e.shape(), "data_offsets", List.of(offset, offset + size)));
            data.add(in.bytes(e));
            offset += size;
        }
        byte[] h = new ObjectMapper().writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(h);
        while (prefix.hasRemaining()) prefix.put((byte) ' ');
        try (OutputStream out = Files.newOutputStream(dst)) {
            out.write(prefix.array());
            var channel = Channels.newChannel(out);
            for (ByteBuffer b : data) channel.write(b.duplicate());
        }
        assertThat(new String(h, StandardCharsets.UTF_8)).doesNotContain(drop);
    }
}
