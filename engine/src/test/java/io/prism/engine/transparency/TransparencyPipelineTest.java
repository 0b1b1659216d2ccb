package io.prism.engine.transparency;

import io.prism.engine.diffusers.InferenceTest;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.diffusers.Sd3Reference;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.transformers.SD3Transformer2DModel;
import io.prism.engine.schedule.FlowMatchEulerDiscreteConfig;
import io.prism.engine.schedule.FlowMatchEulerDiscreteScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.prism.engine.diffusers.MarigoldReference.maxAbs;
import static io.prism.engine.diffusers.MarigoldReference.maxAbsDiff;
import static io.prism.engine.diffusers.MarigoldReference.tensor;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transparency pipeline against the repository's own runs on the tiny checkpoints (sd3-reference pipeline_*
 * fixtures), with their initial noise and posterior ε, at the README's tolerances: latents 5e-5, raw prediction,
 * channel and ensemble means 1e-5, the mask exactly.
 */
class TransparencyPipelineTest extends InferenceTest {

    TransparencyPipeline pipeline(Path transformerDir, SafetensorsFile inputs, boolean withScheduler) {
        Path tiny = Sd3Reference.tinyTransparency();
        SD3Transformer2DModel transformer = SD3Transformer2DModel.load(transformerDir, null, manager, DataType.FLOAT32, false);
        AutoencoderKL vae = AutoencoderKL.load(tiny.resolve("vae"), null, manager, DataType.FLOAT32, false);
        FlowMatchEulerDiscreteScheduler scheduler = withScheduler
                ? new FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig.read(tiny.resolve("scheduler"))) : null;
        return new TransparencyPipeline(transformer, vae, scheduler, tensor(manager, inputs, "prompt_embeds"),
                tensor(manager, inputs, "pooled_prompt_embeds"));
    }

    @ParameterizedTest
    @CsvSource({"pipeline_s1_e1, 1, 1, 1", "pipeline_s4_e1, 4, 1, 1", "pipeline_s4_e3, 4, 3, 1", "pipeline_s4_e3, 4, 3, 2"})
    void reproducesTheRepositorysRunWithItsNoise(String fixture, int steps, int ensemble, int batch) {
        SafetensorsFile f = Sd3Reference.open(fixture + ".safetensors");
        SafetensorsFile inter = Sd3Reference.open(fixture + "_intermediates.safetensors");
        TransparencyPipeline p = pipeline(Sd3Reference.tinyTransparency().resolve("transformer"), f, true);
        Map<String, Double> diffs = new LinkedHashMap<>();
        TransparencyPipeline.Settings s = new TransparencyPipeline.Settings(steps, ensemble, batch, TransparencyPipeline.Posterior.SAMPLE,
                0L, f.floats("encode_noise_image"), f.floats("latents"));
        TransparencyPipeline.Output out = p.run(tensor(manager, f, "image"), s, (name, value) -> {
            if (!inter.entries().containsKey(name)) return;
            diffs.put(name, maxAbsDiff(value, inter, name) / Math.max(1, maxAbs(inter, name)));
        });
        // intermediates at 1e-5 × max|reference| (the transformer's timestep-sinusoid ulp included; see SD3Transformer2DModelTest)
        assertThat(diffs).isNotEmpty().allSatisfy((name, d) -> assertThat(d).as(name).isLessThan(1e-5));
        assertThat(diffs).containsKeys("normalized_image", "image_latent", "member0_latent_out", "member0_decoded");

        int e = ensemble, h = 32, w = 48;
        assertThat(maxAbsDiff(manager.create(out.finalLatents(), new Shape(e, 16, 16, 24)), f, "latent_out")).isLessThan(5e-5);
        assertThat(maxAbsDiff(manager.create(out.memberMeans(), new Shape(e, 1, h, w)), f, "channel_mean")).isLessThan(1e-5);
        assertThat(maxAbsDiff(manager.create(out.probability(), new Shape(1, 1, h, w)), f, "ensemble_mean")).isLessThan(1e-5);
        // the repository's mask_pt holds the mask in all three channels
        NDArray mask = manager.create(out.mask(), new Shape(1, 1, h, w)).repeat(1, 3);
        assertThat(maxAbsDiff(mask, f, "mask")).isZero();
        assertThat(out.spread()).hasSize(h * w);
        if (ensemble == 1) assertThat(out.spread()).containsOnly(0f);
        else assertThat(maxOf(out.spread())).isGreaterThan(0f);
    }

    @Test
    void oneStepEndToEndModelReproducesTheSuccessorsRun() {
        SafetensorsFile f = Sd3Reference.open("pipeline_e2e.safetensors");
        TransparencyPipeline p = pipeline(Sd3Reference.tinyE2eTransformer(), f, false);
        assertThat(p.endToEnd()).isTrue();
        Map<String, Double> diffs = new LinkedHashMap<>();
        TransparencyPipeline.Output out = p.run(tensor(manager, f, "image"), new TransparencyPipeline.Settings(1, 1, 1,
                TransparencyPipeline.Posterior.SAMPLE, 0L, f.floats("encode_noise_image"), null), (name, value) -> {
            String ref = name.equals("raw_prediction0") ? "prediction" : name;
            if (f.entries().containsKey(ref) && !ref.equals("image")) diffs.put(ref, maxAbsDiff(value, f, ref) / Math.max(1, maxAbs(f, ref)));
        });
        assertThat(diffs).containsKeys("image_latent", "transformer_out", "decoded", "prediction")
                .allSatisfy((name, d) -> assertThat(d).as(name).isLessThan(3e-5));
        assertThat(maxAbsDiff(manager.create(out.memberMeans(), new Shape(1, 1, 32, 48)), f, "channel_mean")).isLessThan(1e-5);
        assertThat(maxAbsDiff(manager.create(out.mask(), new Shape(1, 1, 32, 48)), f, "mask")).isZero();
    }

    @Test
    void posteriorMeanIsDeterministicAndDiffersFromTheSampledLatent() {
        SafetensorsFile f = Sd3Reference.open("pipeline_s4_e1.safetensors");
        TransparencyPipeline p = pipeline(Sd3Reference.tinyTransparency().resolve("transformer"), f, true);
        TransparencyPipeline.Settings mean = new TransparencyPipeline.Settings(4, 1, 1, TransparencyPipeline.Posterior.MEAN, 0L, null,
                f.floats("latents"));
        TransparencyPipeline.Output a = p.run(tensor(manager, f, "image"), mean, null);
        TransparencyPipeline.Output b = p.run(tensor(manager, f, "image"), mean, null);
        assertThat(a.probability()).containsExactly(b.probability());
        // the repository's sampled latent moves the prediction by ~0.06 on this model (README: mode vs sample)
        double maxDiff = 0;
        float[] ref = f.floats("ensemble_mean");
        for (int i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.probability()[i] - ref[i]));
        assertThat(maxDiff).isGreaterThan(1e-3);
    }

    static float maxOf(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) m = Math.max(m, x);
        return m;
    }
}
